//! `loadgen --port P [--host 127.0.0.1] [--connections 50] [--duration 2] [--warmup 0.5]
//! [--size 64] [--server-pid PID]`: runs the echo ping-pong and prints one JSON object on stdout.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use loadgen::{run, Config};

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)).and_then(|config| run(&config).map_err(|e| e.to_string()))
    {
        Ok(report) => {
            let us = |d: Duration| d.as_secs_f64() * 1e6;
            let server_cpu = report.server_cpu.map(us);
            let per_rt = |cpu: Option<f64>| match cpu {
                Some(cpu) if report.round_trips > 0 => {
                    format!("{:.3}", cpu / report.round_trips as f64)
                }
                _ => "null".to_owned(),
            };
            let samples: Vec<String> = report
                .error_samples
                .iter()
                .map(|s| format!("{s:?}"))
                .collect();
            println!(
                "{{\"connections\":{},\"message_size\":{},\"elapsed_s\":{:.4},\"round_trips\":{},\
                 \"rt_per_s\":{:.1},\"p50_us\":{:.2},\"p99_us\":{:.2},\"errors\":{},\"error_samples\":[{}],\
                 \"server_cpu_us\":{},\"server_cpu_us_per_rt\":{},\"loadgen_cpu_us_per_rt\":{},\
                 \"loadgen_cpu_fraction\":{:.3}}}",
                report.connections,
                report.message_size,
                report.elapsed.as_secs_f64(),
                report.round_trips,
                report.round_trips_per_second(),
                us(report.p50),
                us(report.p99),
                report.errors,
                samples.join(","),
                server_cpu.map_or("null".to_owned(), |v| format!("{v:.0}")),
                per_rt(server_cpu),
                per_rt(Some(us(report.loadgen_cpu))),
                report.loadgen_cpu.as_secs_f64() / report.elapsed.as_secs_f64(),
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("loadgen: {message}");
            ExitCode::from(2)
        }
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
    let mut host: IpAddr = [127, 0, 0, 1].into();
    let mut port = None;
    let mut config = Config {
        addr: SocketAddr::new(host, 0),
        connections: 50,
        message_size: 64,
        warmup: Duration::from_millis(500),
        duration: Duration::from_secs(2),
        server_pid: None,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let message = format!("bad value for {flag}: {value:?}");
        let bad = |_| message.clone();
        match flag.as_str() {
            "--host" => host = value.parse().map_err(|_| format!("bad host {value:?}"))?,
            "--port" => port = Some(value.parse::<u16>().map_err(bad)?),
            "--connections" => config.connections = value.parse().map_err(bad)?,
            "--size" => config.message_size = value.parse().map_err(bad)?,
            "--warmup" => config.warmup = seconds(&value).ok_or_else(|| message.clone())?,
            "--duration" => config.duration = seconds(&value).ok_or_else(|| message.clone())?,
            "--server-pid" => config.server_pid = Some(value.parse().map_err(bad)?),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    config.addr = SocketAddr::new(host, port.ok_or("--port is required")?);
    Ok(config)
}

fn seconds(value: &str) -> Option<Duration> {
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}
