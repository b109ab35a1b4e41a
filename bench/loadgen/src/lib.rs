//! Echo ping-pong load generator: one thread, one level-triggered epoll, N connections. Each
//! connection sends a message, waits for the whole echo, checks every byte, and sends the next one.
//! A warm-up phase runs first; then round trips, latencies and CPU times are counted over a fixed
//! window. The run always ends on time, even when the server stalls or dies.

mod cpu;
mod pattern;
mod sys;

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

pub use cpu::{own_cpu, process_cpu};
use sys::{cvt, cvt_size, would_block};

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub connections: usize,
    pub message_size: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// The server's pid: its CPU time over the measured window is reported when given.
    pub server_pid: Option<u32>,
}

/// What was measured over the window (warm-up excluded).
#[derive(Debug, Clone)]
pub struct Report {
    pub connections: usize,
    pub message_size: usize,
    pub elapsed: Duration,
    pub round_trips: u64,
    pub p50: Duration,
    pub p99: Duration,
    /// Connections lost to a wrong byte, an early EOF or a socket error (each ends its connection).
    pub errors: u64,
    /// The first few error descriptions.
    pub error_samples: Vec<String>,
    pub server_cpu: Option<Duration>,
    pub loadgen_cpu: Duration,
}

impl Report {
    pub fn round_trips_per_second(&self) -> f64 {
        self.round_trips as f64 / self.elapsed.as_secs_f64()
    }
}

const MAX_ERROR_SAMPLES: usize = 5;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

struct Conn {
    fd: Option<OwnedFd>,
    seq: u64,
    expected: Vec<u8>,
    sent: usize,
    received: usize,
    started: Instant,
}

#[derive(PartialEq, Eq)]
enum Phase {
    Warmup,
    Measuring,
}

struct Counters {
    round_trips: u64,
    latencies_ns: Vec<u32>,
    errors: u64,
    error_samples: Vec<String>,
}

impl Counters {
    fn error(&mut self, what: String) {
        self.errors += 1;
        if self.error_samples.len() < MAX_ERROR_SAMPLES {
            self.error_samples.push(what);
        }
    }
}

/// Connects, runs warm-up and the measured window, and reports. Fails only when setting up fails
/// (a connection refused, no epoll); failures during the run are counted as errors.
pub fn run(config: &Config) -> io::Result<Report> {
    if config.connections == 0 || config.message_size == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "connections and message size must be > 0",
        ));
    }
    let epoll = create_epoll()?;
    let mut conns = Vec::with_capacity(config.connections);
    for index in 0..config.connections {
        let stream = TcpStream::connect_timeout(&config.addr, CONNECT_TIMEOUT)?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        let fd = OwnedFd::from(stream);
        epoll_ctl(
            &epoll,
            libc::EPOLL_CTL_ADD,
            fd.as_raw_fd(),
            libc::EPOLLIN as u32,
            index,
        )?;
        conns.push(Conn {
            fd: Some(fd),
            seq: 0,
            expected: vec![0; config.message_size],
            sent: 0,
            received: 0,
            started: Instant::now(),
        });
    }

    let mut counters = Counters {
        round_trips: 0,
        latencies_ns: Vec::with_capacity(1 << 20),
        errors: 0,
        error_samples: Vec::new(),
    };
    let mut alive = conns.len();
    for (index, conn) in conns.iter_mut().enumerate() {
        if let Err(e) = start_round(&epoll, conn, index) {
            close_conn(conn, &mut alive);
            counters.error(format!("connection {index}: {e}"));
        }
    }

    let mut phase = Phase::Warmup;
    let mut deadline = Instant::now() + config.warmup;
    let mut window_start = Instant::now();
    let mut server_cpu_start = None;
    let mut own_cpu_start = own_cpu();
    let mut recv_buf = vec![0u8; config.message_size];
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; config.connections.min(4096)];

    loop {
        let mut now = Instant::now();
        if now >= deadline {
            if phase == Phase::Measuring {
                // For a cost meter beside us (bench/lib/cost.ts): the measured window ends.
                eprintln!("window end");
                break;
            }
            phase = Phase::Measuring;
            counters.round_trips = 0;
            counters.latencies_ns.clear();
            server_cpu_start = config.server_pid.map(process_cpu).transpose()?;
            own_cpu_start = own_cpu();
            window_start = Instant::now();
            deadline = window_start + config.duration;
            eprintln!("window start");
        }
        if alive == 0 {
            break;
        }
        let timeout_ms = deadline
            .saturating_duration_since(now)
            .as_millis()
            .clamp(1, 1000) as i32;
        let ready = epoll_wait(&epoll, &mut events, timeout_ms)?;
        for event in &events[..ready] {
            let index = event.u64 as usize;
            let flags = event.events;
            let conn = &mut conns[index];
            if conn.fd.is_none() {
                continue;
            }
            let outcome = if flags & (libc::EPOLLOUT as u32) != 0 && conn.sent < conn.expected.len()
            {
                continue_send(&epoll, conn, index)
            } else {
                receive(conn, &mut recv_buf)
            };
            match outcome {
                Ok(false) => {}
                Ok(true) => {
                    now = Instant::now();
                    if phase == Phase::Measuring {
                        let ns = now
                            .duration_since(conn.started)
                            .as_nanos()
                            .min(u32::MAX as u128) as u32;
                        counters.latencies_ns.push(ns);
                        counters.round_trips += 1;
                    }
                    conn.seq += 1;
                    if let Err(e) = start_round(&epoll, conn, index) {
                        close_conn(conn, &mut alive);
                        counters.error(format!("connection {index}: {e}"));
                    }
                }
                Err(e) => {
                    close_conn(conn, &mut alive);
                    counters.error(format!("connection {index}: {e}"));
                }
            }
        }
    }

    let elapsed = window_start.elapsed();
    let server_cpu = match (config.server_pid, server_cpu_start) {
        (Some(pid), Some(start)) => Some(process_cpu(pid)?.saturating_sub(start)),
        _ => None,
    };
    let loadgen_cpu = own_cpu().saturating_sub(own_cpu_start);
    let (p50, p99) = percentiles(&mut counters.latencies_ns);
    Ok(Report {
        connections: config.connections,
        message_size: config.message_size,
        elapsed,
        round_trips: counters.round_trips,
        p50,
        p99,
        errors: counters.errors,
        error_samples: counters.error_samples,
        server_cpu,
        loadgen_cpu,
    })
}

/// Median and 99th percentile of the round-trip latencies (zero when there were none).
fn percentiles(latencies_ns: &mut [u32]) -> (Duration, Duration) {
    if latencies_ns.is_empty() {
        return (Duration::ZERO, Duration::ZERO);
    }
    latencies_ns.sort_unstable();
    let at = |q: usize| {
        let i = (latencies_ns.len() * q / 100).min(latencies_ns.len() - 1);
        Duration::from_nanos(latencies_ns[i] as u64)
    };
    (at(50), at(99))
}

fn close_conn(conn: &mut Conn, alive: &mut usize) {
    // Closing the fd also removes it from the epoll set.
    if conn.fd.take().is_some() {
        *alive -= 1;
    }
}

/// Prepares the next message and sends it.
fn start_round(epoll: &OwnedFd, conn: &mut Conn, index: usize) -> io::Result<()> {
    pattern::fill(&mut conn.expected, index, conn.seq);
    conn.sent = 0;
    conn.received = 0;
    conn.started = Instant::now();
    continue_send(epoll, conn, index).map(|_| ())
}

/// Sends what is left of the message; waits for EPOLLOUT when the socket buffer is full (it never is
/// for small messages, but a partial write must not be mistaken for a finished one).
fn continue_send(epoll: &OwnedFd, conn: &mut Conn, index: usize) -> io::Result<bool> {
    let fd = conn.fd.as_ref().expect("open connection").as_raw_fd();
    let was_partial = conn.sent > 0;
    while conn.sent < conn.expected.len() {
        let rest = &conn.expected[conn.sent..];
        // SAFETY: `rest` is valid for reads of `rest.len()` bytes for the duration of the call.
        let ret = unsafe { libc::send(fd, rest.as_ptr().cast(), rest.len(), libc::MSG_NOSIGNAL) };
        match cvt_size(ret, "send") {
            Ok(n) => conn.sent += n,
            Err(e) if would_block(&e) => {
                epoll_ctl(
                    epoll,
                    libc::EPOLL_CTL_MOD,
                    fd,
                    (libc::EPOLLIN | libc::EPOLLOUT) as u32,
                    index,
                )?;
                return Ok(false);
            }
            Err(e) => return Err(e),
        }
    }
    if was_partial {
        epoll_ctl(epoll, libc::EPOLL_CTL_MOD, fd, libc::EPOLLIN as u32, index)?;
    }
    Ok(false)
}

/// Reads what has arrived of the echo and checks it. `Ok(true)` when the whole message is back.
fn receive(conn: &mut Conn, buf: &mut [u8]) -> io::Result<bool> {
    let fd = conn.fd.as_ref().expect("open connection").as_raw_fd();
    // Never read past the end of this round's message: bytes beyond it would belong to no round.
    let want = conn.expected.len() - conn.received;
    let buf = &mut buf[..want.max(1)];
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the duration of the call.
    let ret = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
    let n = match cvt_size(ret, "recv") {
        Ok(0) => {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server closed the connection",
            ))
        }
        Ok(n) => n,
        Err(e) if would_block(&e) => return Ok(false),
        Err(e) => return Err(e),
    };
    // An echo can only return what was sent so far (the rest of a short send may still be pending).
    if conn.received + n > conn.sent {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "server sent bytes that were not sent to it",
        ));
    }
    let expected = &conn.expected[conn.received..conn.received + n];
    if let Some(at) = expected.iter().zip(&buf[..n]).position(|(a, b)| a != b) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "wrong byte {} of round {} (expected {:#04x}, got {:#04x})",
                conn.received + at,
                conn.seq,
                expected[at],
                buf[at]
            ),
        ));
    }
    conn.received += n;
    Ok(conn.received == conn.expected.len())
}

fn create_epoll() -> io::Result<OwnedFd> {
    // SAFETY: epoll_create1 takes no pointers.
    let fd = cvt(
        unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) },
        "epoll_create1",
    )?;
    // SAFETY: `fd` was just returned by epoll_create1 and is owned by nobody else.
    Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
}

fn epoll_ctl(
    epoll: &OwnedFd,
    op: libc::c_int,
    fd: RawFd,
    events: u32,
    index: usize,
) -> io::Result<()> {
    let mut event = libc::epoll_event {
        events,
        u64: index as u64,
    };
    // SAFETY: `event` is a valid epoll_event for the duration of the call.
    cvt(
        unsafe { libc::epoll_ctl(epoll.as_raw_fd(), op, fd, &mut event) },
        "epoll_ctl",
    )
    .map(|_| ())
}

fn epoll_wait(
    epoll: &OwnedFd,
    events: &mut [libc::epoll_event],
    timeout_ms: i32,
) -> io::Result<usize> {
    loop {
        // SAFETY: `events` is writable for `events.len()` entries, which is what maxevents says.
        let ret = unsafe {
            libc::epoll_wait(
                epoll.as_raw_fd(),
                events.as_mut_ptr(),
                events.len() as i32,
                timeout_ms,
            )
        };
        match cvt(ret, "epoll_wait") {
            Ok(n) => return Ok(n as usize),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}
