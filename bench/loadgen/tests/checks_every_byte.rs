//! The harness's own sanity: an honest echo gives round trips and no errors; a server that corrupts
//! one byte, or closes early, is caught.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use loadgen::{run, Config};

/// A thread-per-connection echo server; `corrupt_after` flips one byte once that many bytes have
/// been echoed on a connection.
fn spawn_echo(corrupt_after: Option<usize>, close_after: Option<usize>) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            thread::spawn(move || serve(&mut stream, corrupt_after, close_after));
        }
    });
    addr
}

fn serve(stream: &mut TcpStream, corrupt_after: Option<usize>, close_after: Option<usize>) {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if let Some(at) = corrupt_after {
            if total <= at && at < total + n {
                buf[at - total] ^= 0x20;
            }
        }
        total += n;
        if close_after.is_some_and(|limit| total >= limit) {
            return;
        }
        if stream.write_all(&buf[..n]).is_err() {
            return;
        }
    }
}

fn config(addr: std::net::SocketAddr, connections: usize) -> Config {
    Config {
        addr,
        connections,
        message_size: 64,
        warmup: Duration::from_millis(50),
        duration: Duration::from_millis(300),
        server_pid: None,
    }
}

#[test]
fn an_honest_echo_gives_round_trips_and_no_errors() {
    let report = run(&config(spawn_echo(None, None), 4)).unwrap();
    assert_eq!(report.errors, 0, "{:?}", report.error_samples);
    assert!(
        report.round_trips > 100,
        "only {} round trips",
        report.round_trips
    );
    assert!(report.p50 <= report.p99);
}

#[test]
fn one_flipped_byte_is_an_error() {
    // Byte 1000 of each connection falls in round 15, i.e. during the run, not at connect time.
    let report = run(&config(spawn_echo(Some(1000), None), 3)).unwrap();
    assert_eq!(report.errors, 3, "{:?}", report.error_samples);
    assert!(
        report.error_samples[0].contains("wrong byte"),
        "{:?}",
        report.error_samples
    );
}

#[test]
fn a_server_that_closes_early_is_an_error() {
    let report = run(&config(spawn_echo(None, Some(640)), 2)).unwrap();
    assert_eq!(report.errors, 2, "{:?}", report.error_samples);
    assert!(
        report.error_samples[0].contains("closed"),
        "{:?}",
        report.error_samples
    );
}
