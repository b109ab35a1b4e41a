//! `accept_many` keeps a failure that comes after some accepts for its next call: the accepted
//! connections are returned, not lost. The failure is a real one, EMFILE under a lowered
//! RLIMIT_NOFILE, which is per process: this file holds this one test so that no other test runs
//! beside the lowered limit (each file under `tests/` is a process of its own).

use std::net::TcpStream;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use epoll_core::net::{accept_many, listen_stream, local_address, SockAddr};

fn nofile() -> libc::rlimit {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for getrlimit to write.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(got, 0);
    limit
}

fn set_nofile(limit: &libc::rlimit) {
    // SAFETY: `limit` is a valid rlimit for setrlimit to read.
    let set = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, limit) };
    assert_eq!(set, 0);
}

#[test]
fn a_failure_after_two_accepts_returns_the_two_then_the_failure_then_the_rest() {
    let listener =
        listen_stream(&SockAddr::inet("127.0.0.1:0".parse().unwrap()), 16, false).unwrap();
    let name = local_address(listener.as_raw_fd()).unwrap();
    let port = u16::from_be_bytes([name.as_bytes()[2], name.as_bytes()[3]]);
    let clients: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();

    // The lowest free fd number: accept4 takes it, then the next; a limit two above it lets exactly
    // two accepts succeed.
    // SAFETY: dup of an open fd; closed at once.
    let lowest = unsafe { libc::dup(listener.as_raw_fd()) };
    // SAFETY: `lowest` was just returned by dup and nothing else owns it.
    unsafe { libc::close(lowest) };
    let saved = nofile();
    set_nofile(&libc::rlimit {
        rlim_cur: lowest as libc::rlim_t + 2,
        rlim_max: saved.rlim_max,
    });

    let (mut fds, mut names, mut lengths, mut deferred) = ([-1; 8], [0u8; 8 * 128], [0; 8], 0);
    let fd = listener.as_raw_fd();
    let first = accept_many(fd, &mut fds, &mut names, &mut lengths, &mut deferred);
    let kept = deferred;
    let second = accept_many(
        fd,
        &mut fds[2..],
        &mut names[2 * 128..],
        &mut lengths[2..],
        &mut deferred,
    );
    set_nofile(&saved);

    assert_eq!(first, Ok(Some(2)), "the two accepted connections come back");
    assert_eq!(kept, libc::EMFILE, "the failure is kept for the next call");
    let err = second.unwrap_err();
    assert_eq!(
        (err.errno, err.syscall, deferred),
        (libc::EMFILE, "accept", 0)
    );
    let third = accept_many(
        fd,
        &mut fds[2..],
        &mut names[2 * 128..],
        &mut lengths[2..],
        &mut deferred,
    );
    assert_eq!(
        third,
        Ok(Some(1)),
        "the connection that met the failure is still queued"
    );
    let ports: Vec<u16> = (0..3)
        .map(|i| u16::from_be_bytes([names[i * 128 + 2], names[i * 128 + 3]]))
        .collect();
    let expected: Vec<u16> = clients
        .iter()
        .map(|c| c.local_addr().unwrap().port())
        .collect();
    assert_eq!(ports, expected);
    for raw in &fds[..3] {
        // SAFETY: accept_many handed these fds' ownership to us.
        drop(unsafe { OwnedFd::from_raw_fd(*raw) });
    }
}
