//! The one socket module: `socket`, `bind`, `connect`, `listen`, `accept`, `shutdown` and socket
//! pairs for every family and type (raw `libc`, so that netlink, packet and CAN fit beside TCP and
//! unix), and the three helpers servers call most: [`listen_stream`], [`connect_stream`] and
//! [`listen_udp`].
//!
//! Every socket made here is non-blocking and close-on-exec. `accept` is `accept4` with no address
//! asked for; `accept_from` has the same `accept4` write the peer's address, which stays readable
//! even when the peer has already reset (where `remote_address` would be ENOTCONN).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::address::{SockAddr, SOCKADDR_STORAGE_SIZE};
use super::options::{set_int, setsockopt};
use crate::error::OsError;
use crate::sys::{cvt, raw_syscall, retry};

/// The listen backlog when none is given: Node's own default.
pub const DEFAULT_BACKLOG: i32 = 511;

/// Which direction(s) `shutdown` closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    Read,
    Write,
    Both,
}

/// The one `socket(2)` call site, always non-blocking and close-on-exec. Its error has no detail:
/// [`socket`] adds the arguments, the stream helpers report it as they always have.
fn new_socket(family: i32, kind: i32, protocol: i32) -> Result<OwnedFd, OsError> {
    let kind_flags = kind | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: socket takes no pointers.
    let fd = cvt(
        unsafe { libc::socket(family, kind_flags, protocol) },
        "socket",
    )?;
    // SAFETY: socket just returned this fd; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `socket(2)` of any family, type and protocol, always non-blocking and close-on-exec.
pub fn socket(family: i32, kind: i32, protocol: i32) -> Result<OwnedFd, OsError> {
    new_socket(family, kind, protocol)
        .map_err(|e| e.with_detail(format!("family {family}, type {kind}, protocol {protocol}")))
}

/// `bind(2)` to an address of any family.
pub fn bind(fd: RawFd, addr: &SockAddr) -> Result<(), OsError> {
    let (ptr, len) = addr.as_raw();
    // SAFETY: `ptr` points at an initialised sockaddr of `len` bytes that lives across the call.
    cvt(unsafe { libc::bind(fd, ptr, len) }, "bind").map_err(|e| e.with_detail(addr.shown()))?;
    Ok(())
}

/// `connect(2)`, non-blocking: `Ok(true)` when connected at once (datagram sockets, unix sockets),
/// `Ok(false)` when in progress (the fd becomes writable when done; `SO_ERROR` says how it went).
pub fn connect(fd: RawFd, addr: &SockAddr) -> Result<bool, OsError> {
    let (ptr, len) = addr.as_raw();
    // SAFETY: as in `bind`.
    match cvt(unsafe { libc::connect(fd, ptr, len) }, "connect") {
        Ok(_) => Ok(true),
        // EINTR: a signal came first, the connect goes on in the background, as with EINPROGRESS.
        Err(e) if e.errno == libc::EINPROGRESS || e.errno == libc::EINTR => Ok(false),
        Err(e) => Err(e.with_detail(addr.shown())),
    }
}

/// `listen(2)` on a bound (or, for TCP, unbound: the kernel picks a port) stream or seqpacket socket.
pub fn listen(fd: RawFd, backlog: i32) -> Result<(), OsError> {
    // SAFETY: listen takes no pointers.
    cvt(unsafe { libc::listen(fd, backlog) }, "listen")
        .map_err(|e| e.with_detail(format!("fd {fd}")))?;
    Ok(())
}

/// Accepts one pending connection: `None` when none is pending. The new fd is non-blocking and
/// close-on-exec. A connection reset while it waited in the queue (ECONNABORTED) is skipped.
pub fn accept(fd: RawFd) -> Result<Option<OwnedFd>, OsError> {
    Ok(accept4(fd, &mut [])?.map(|(conn, _)| conn))
}

/// [`accept`] that also writes the peer's raw `struct sockaddr` into `name` (up to its length; 128
/// bytes hold any family) from the same `accept4` call: `(fd, bytes of name written)`.
pub fn accept_from(fd: RawFd, name: &mut [u8]) -> Result<Option<(OwnedFd, usize)>, OsError> {
    accept4(fd, name)
}

/// The one `accept4` call site: the peer's address into `name` unless it is empty.
pub(super) fn accept4(fd: RawFd, name: &mut [u8]) -> Result<Option<(OwnedFd, usize)>, OsError> {
    let flags = (libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC) as libc::c_long;
    let capacity = name.len().min(SOCKADDR_STORAGE_SIZE) as libc::socklen_t;
    loop {
        let mut length = capacity;
        let accepted = retry(|| {
            length = capacity;
            let (ptr, len_ptr) = if capacity == 0 {
                (0, 0)
            } else {
                (
                    name.as_mut_ptr() as libc::c_long,
                    &mut length as *mut libc::socklen_t as libc::c_long,
                )
            };
            let args = [fd as libc::c_long, ptr, len_ptr, flags, 0, 0];
            // SAFETY: accept4(fd, addr, addrlen, flags): null pointers ask it not to report the
            // peer's address; otherwise `addr` is writable for `length` bytes and `addrlen` points
            // at `length`, both alive across the call.
            cvt(
                unsafe { raw_syscall(libc::SYS_accept4, args) } as libc::c_int,
                "accept",
            )
        });
        match accepted {
            Err(e) if e.errno == libc::ECONNABORTED => continue,
            Err(e) => return Err(e),
            Ok(None) => return Ok(None),
            Ok(Some(conn)) => {
                // The kernel reports the full length of the address even when it was cut to fit.
                let written = (length as usize).min(name.len());
                // SAFETY: accept4 just returned this fd; nothing else owns it.
                return Ok(Some((unsafe { OwnedFd::from_raw_fd(conn) }, written)));
            }
        }
    }
}

/// A listening `SOCK_STREAM` socket of `addr`'s family (TCP over IPv4 or IPv6, unix), bound to
/// `addr`. IPv4 and IPv6 sockets get `SO_REUSEADDR` (as Node and every server sets it); with
/// `reuse_port`, `SO_REUSEPORT` lets several sockets, in as many threads or processes, share the
/// port while the kernel spreads incoming connections over them. The fd is closed on any failure.
/// An existing file at a unix path is EADDRINUSE: removing stale sockets is the caller's decision.
pub fn listen_stream(addr: &SockAddr, backlog: i32, reuse_port: bool) -> Result<OwnedFd, OsError> {
    let fd = new_socket(addr.family(), libc::SOCK_STREAM, 0)?;
    let on = 1i32.to_ne_bytes();
    if matches!(addr.family(), libc::AF_INET | libc::AF_INET6) {
        setsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, &on)?;
    }
    if reuse_port {
        setsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEPORT, &on)?;
    }
    bind(fd.as_raw_fd(), addr)?;
    // SAFETY: listen takes no pointers.
    cvt(unsafe { libc::listen(fd.as_raw_fd(), backlog) }, "listen")
        .map_err(|e| e.with_detail(addr.shown()))?;
    Ok(fd)
}

/// Starts a non-blocking connect of a new `SOCK_STREAM` socket of `addr`'s family. A TCP socket
/// becomes writable when the connect has finished, and `socket_error` then says whether it failed
/// (ECONNREFUSED, ...); a unix socket connects at once, and a full listen queue is EAGAIN, thrown
/// because no writable event would ever follow it. Running out of fds is reported as `socket`.
pub fn connect_stream(addr: &SockAddr) -> Result<OwnedFd, OsError> {
    let fd = new_socket(addr.family(), libc::SOCK_STREAM, 0)?;
    let (ptr, len) = addr.as_raw();
    match cvt(
        // SAFETY: `ptr` points at an initialised sockaddr of `len` bytes that lives across the call.
        unsafe { libc::connect(fd.as_raw_fd(), ptr, len) },
        "connect",
    ) {
        Ok(_) => Ok(fd),
        Err(e) if e.errno == libc::EINPROGRESS => Ok(fd),
        Err(e) => Err(e.with_detail(addr.shown())),
    }
}

/// A datagram socket of `addr`'s family bound to `addr` (UDP for IPv4 and IPv6). `reuse_port` sets
/// `SO_REUSEPORT` (several sockets share the port; the kernel spreads datagrams by flow);
/// `ipv6_only` sets `IPV6_V6ONLY` on an IPv6 socket (`None` keeps the system default,
/// `net.ipv6.bindv6only`).
pub fn listen_udp(
    addr: &SockAddr,
    reuse_port: bool,
    ipv6_only: Option<bool>,
) -> Result<OwnedFd, OsError> {
    let fd = socket(addr.family(), libc::SOCK_DGRAM, 0)?;
    if reuse_port {
        set_int(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEPORT, 1)?;
    }
    if let (Some(only), libc::AF_INET6) = (ipv6_only, addr.family()) {
        set_int(
            fd.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_V6ONLY,
            only.into(),
        )?;
    }
    bind(fd.as_raw_fd(), addr)?;
    Ok(fd)
}

/// `socketpair(AF_UNIX, kind)`: two connected unix sockets of type `SOCK_STREAM`, `SOCK_DGRAM` or
/// `SOCK_SEQPACKET`, non-blocking and close-on-exec.
pub fn socketpair(kind: i32) -> Result<(OwnedFd, OwnedFd), OsError> {
    let mut fds = [-1 as libc::c_int; 2];
    let kind_flags = kind | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    cvt(
        // SAFETY: `fds` has room for the two fds socketpair writes.
        unsafe { libc::socketpair(libc::AF_UNIX, kind_flags, 0, fds.as_mut_ptr()) },
        "socketpair",
    )
    .map_err(|e| e.with_detail(format!("type {kind}")))?;
    // SAFETY: socketpair just returned these two fds; nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `shutdown(2)`: closing the write half sends FIN; the peer reads EOF (and sees EPOLLRDHUP).
pub fn shutdown(fd: RawFd, how: Shutdown) -> Result<(), OsError> {
    let how = match how {
        Shutdown::Read => libc::SHUT_RD,
        Shutdown::Write => libc::SHUT_WR,
        Shutdown::Both => libc::SHUT_RDWR,
    };
    // SAFETY: shutdown takes no pointers.
    cvt(unsafe { libc::shutdown(fd, how) }, "shutdown")
        .map_err(|e| e.with_detail(format!("fd {fd}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{read, write};
    use crate::net::{local_address, remote_address, set_no_delay, socket_error};
    use std::time::{Duration, Instant};

    fn loopback() -> SockAddr {
        SockAddr::inet("127.0.0.1:0".parse().unwrap())
    }

    fn bound(fd: &OwnedFd) -> SockAddr {
        local_address(fd.as_raw_fd()).unwrap()
    }

    /// Retries a would-block operation for up to two seconds (loopback is fast, never that slow).
    fn eventually<T>(mut op: impl FnMut() -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(v) = op() {
                return v;
            }
            assert!(start.elapsed() < Duration::from_secs(2), "timed out");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn flags_of(fd: &OwnedFd) -> (i32, i32) {
        // SAFETY: fcntl with F_GETFL/F_GETFD takes no pointers.
        unsafe {
            (
                libc::fcntl(fd.as_raw_fd(), libc::F_GETFL),
                libc::fcntl(fd.as_raw_fd(), libc::F_GETFD),
            )
        }
    }

    #[test]
    fn every_socket_is_non_blocking_and_close_on_exec() {
        let udp = socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
        let (a, _b) = socketpair(libc::SOCK_SEQPACKET).unwrap();
        let listener = listen_stream(&loopback(), 1, false).unwrap();
        let client = connect_stream(&bound(&listener)).unwrap();
        for fd in [&udp, &a, &listener, &client] {
            let (fl, fdf) = flags_of(fd);
            assert_ne!(fl & libc::O_NONBLOCK, 0);
            assert_ne!(fdf & libc::FD_CLOEXEC, 0);
        }
    }

    #[test]
    fn a_client_connects_and_bytes_flow_both_ways() {
        let listener = listen_stream(&loopback(), DEFAULT_BACKLOG, false).unwrap();
        assert!(
            accept(listener.as_raw_fd()).unwrap().is_none(),
            "nothing pending yet"
        );
        let client = connect_stream(&bound(&listener)).unwrap();
        let server = eventually(|| accept(listener.as_raw_fd()).unwrap());
        eventually(|| write(client.as_raw_fd(), b"ping").unwrap());
        let mut buf = [0u8; 8];
        let n = eventually(|| read(server.as_raw_fd(), &mut buf).unwrap());
        assert_eq!(&buf[..n], b"ping");
        assert_eq!(socket_error(client.as_raw_fd()).unwrap(), 0);
        assert_eq!(
            remote_address(server.as_raw_fd()).unwrap(),
            local_address(client.as_raw_fd()).unwrap()
        );
        set_no_delay(server.as_raw_fd(), true).unwrap();
    }

    #[test]
    fn accept_from_reports_the_peer_address_of_the_same_accept() {
        let listener = listen_stream(&loopback(), 8, false).unwrap();
        let mut name = [0u8; SOCKADDR_STORAGE_SIZE];
        assert!(accept_from(listener.as_raw_fd(), &mut name)
            .unwrap()
            .is_none());
        let client = connect_stream(&bound(&listener)).unwrap();
        let (_server, length) =
            eventually(|| accept_from(listener.as_raw_fd(), &mut name).unwrap());
        let client_name = local_address(client.as_raw_fd()).unwrap();
        assert_eq!(&name[..length], client_name.as_bytes());
    }

    #[test]
    fn a_tcp_socket_made_piece_by_piece_accepts_a_connection() {
        let listener = socket(libc::AF_INET, libc::SOCK_STREAM, 0).unwrap();
        bind(listener.as_raw_fd(), &loopback()).unwrap();
        listen(listener.as_raw_fd(), 8).unwrap();
        let client = socket(libc::AF_INET, libc::SOCK_STREAM, 0).unwrap();
        let _ = connect(client.as_raw_fd(), &bound(&listener)).unwrap();
        let server = eventually(|| accept(listener.as_raw_fd()).unwrap());
        assert_eq!(eventually(|| write(client.as_raw_fd(), b"hi").unwrap()), 2);
        let mut buf = [0u8; 4];
        assert_eq!(
            eventually(|| read(server.as_raw_fd(), &mut buf).unwrap()),
            2
        );
    }

    #[test]
    fn a_refused_connect_shows_up_as_the_socket_error() {
        let listener = listen_stream(&loopback(), 1, false).unwrap();
        let addr = bound(&listener);
        drop(listener);
        let client = connect_stream(&addr).unwrap();
        let errno =
            eventually(|| Some(socket_error(client.as_raw_fd()).unwrap()).filter(|e| *e != 0));
        assert_eq!(errno, libc::ECONNREFUSED);
    }

    #[test]
    fn a_busy_port_is_eaddrinuse_unless_every_socket_asks_for_reuse_port() {
        let first = listen_stream(&loopback(), 16, false).unwrap();
        let err = listen_stream(&bound(&first), 16, false).unwrap_err();
        assert_eq!((err.code().as_str(), err.syscall), ("EADDRINUSE", "bind"));
        assert!(err
            .to_string()
            .ends_with(&format!("({})", bound(&first).shown())));
        let shared = listen_stream(&loopback(), 16, true).unwrap();
        let again = listen_stream(&bound(&shared), 16, true).unwrap();
        assert_eq!(bound(&shared), bound(&again));
    }

    #[test]
    fn ipv6_loopback_works() {
        let any_port = SockAddr::inet("[::1]:0".parse().unwrap());
        let listener = match listen_stream(&any_port, 16, false) {
            Ok(listener) => listener,
            // Some containers have no IPv6 loopback: nothing to test there.
            Err(e) if e.errno == libc::EADDRNOTAVAIL || e.errno == libc::EAFNOSUPPORT => {
                eprintln!("skipped: no IPv6 loopback ({e})");
                return;
            }
            Err(e) => panic!("{e}"),
        };
        let client = connect_stream(&bound(&listener)).unwrap();
        let _server = eventually(|| accept(listener.as_raw_fd()).unwrap());
        assert_eq!(bound(&client).family(), libc::AF_INET6);
    }

    #[test]
    fn unix_sockets_listen_connect_and_half_close() {
        let dir = std::env::temp_dir().join(format!("epoll-core-unix-{}", std::process::id()));
        let path = dir.with_extension("sock");
        let _ = std::fs::remove_file(&path);
        let addr = SockAddr::unix(path.as_os_str().as_encoded_bytes(), "bind").unwrap();
        let listener = listen_stream(&addr, 8, false).unwrap();
        assert_eq!(bound(&listener), addr);
        let client = connect_stream(&addr).unwrap();
        let server = eventually(|| accept(listener.as_raw_fd()).unwrap());
        assert_eq!(
            local_address(client.as_raw_fd()).unwrap().as_bytes(),
            (libc::AF_UNIX as libc::sa_family_t).to_ne_bytes(),
            "an unnamed unix socket's address is its family alone"
        );
        shutdown(client.as_raw_fd(), Shutdown::Write).unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(
            eventually(|| read(server.as_raw_fd(), &mut buf).unwrap()),
            0,
            "EOF after the peer's shutdown"
        );
        let err = listen_stream(&addr, 8, false).unwrap_err();
        assert_eq!(err.code(), "EADDRINUSE");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn abstract_unix_sockets_connect_by_name() {
        let name = format!("\0epoll-core-abstract-{}", std::process::id());
        let addr = SockAddr::unix(name.as_bytes(), "bind").unwrap();
        let listener = listen_stream(&addr, 8, false).unwrap();
        let client = connect_stream(&addr).unwrap();
        let _server = eventually(|| accept(listener.as_raw_fd()).unwrap());
        assert_eq!(remote_address(client.as_raw_fd()).unwrap(), addr);
        let gone = SockAddr::unix(b"\0epoll-core-nobody-listens", "connect").unwrap();
        let err = connect_stream(&gone).unwrap_err();
        assert_eq!(
            (err.code().as_str(), err.syscall),
            ("ECONNREFUSED", "connect")
        );
    }

    #[test]
    fn a_socketpair_is_connected() {
        let (a, b) = socketpair(libc::SOCK_STREAM).unwrap();
        assert_eq!(write(a.as_raw_fd(), b"x").unwrap(), Some(1));
        let mut buf = [0u8; 1];
        assert_eq!(read(b.as_raw_fd(), &mut buf).unwrap(), Some(1));
        let err = set_no_delay(a.as_raw_fd(), true).unwrap_err();
        assert_eq!(
            (err.errno, err.code().as_str()),
            (libc::EOPNOTSUPP, "ENOTSUP"),
            "TCP options do not apply to unix sockets (Node spells EOPNOTSUPP ENOTSUP)"
        );
    }

    #[test]
    fn remote_address_of_a_listener_is_enotconn() {
        let listener = listen_stream(&loopback(), 1, false).unwrap();
        assert_eq!(
            remote_address(listener.as_raw_fd()).unwrap_err().code(),
            "ENOTCONN"
        );
    }

    #[test]
    fn an_unknown_family_is_eafnosupport_named_socket() {
        let err = socket(9999, libc::SOCK_DGRAM, 0).unwrap_err();
        assert_eq!(
            (err.code().as_str(), err.syscall),
            ("EAFNOSUPPORT", "socket")
        );
    }

    #[test]
    fn two_udp_sockets_share_a_port_with_reuse_port() {
        let first = listen_udp(&loopback(), true, None).unwrap();
        listen_udp(&bound(&first), true, None).unwrap();
        let err = listen_udp(&bound(&first), false, None).unwrap_err();
        assert_eq!((err.code().as_str(), err.syscall), ("EADDRINUSE", "bind"));
    }
}
