//! Sockets of any family and type: `socket`, `bind`, `connect`, `listen`, typed socket pairs and
//! the UDP listener, with raw `libc` so that every family (netlink, packet, CAN, ...) fits.

use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::address::SockAddr;
use super::options::set_int;
use crate::error::OsError;
use crate::sys::cvt;

/// `socket(2)` of any family, type and protocol, always non-blocking and close-on-exec.
pub fn socket(family: i32, kind: i32, protocol: i32) -> Result<OwnedFd, OsError> {
    let kind_flags = kind | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: socket takes no pointers.
    let fd = cvt(
        unsafe { libc::socket(family, kind_flags, protocol) },
        "socket",
    )
    .map_err(|e| e.with_detail(format!("family {family}, type {kind}, protocol {protocol}")))?;
    // SAFETY: socket just returned this fd; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
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

/// A UDP socket bound to `addr`. `reuse_port` sets `SO_REUSEPORT` (several sockets share the
/// port; the kernel spreads datagrams by flow); `ipv6_only` sets `IPV6_V6ONLY` on an IPv6 socket
/// (`None` keeps the system default, `net.ipv6.bindv6only`).
pub fn listen_udp(
    addr: SocketAddr,
    reuse_port: bool,
    ipv6_only: Option<bool>,
) -> Result<OwnedFd, OsError> {
    let family = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    let fd = socket(family, libc::SOCK_DGRAM, 0)?;
    if reuse_port {
        set_int(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEPORT, 1)?;
    }
    if let (Some(only), true) = (ipv6_only, addr.is_ipv6()) {
        set_int(
            fd.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_V6ONLY,
            only.into(),
        )?;
    }
    bind(fd.as_raw_fd(), &SockAddr::inet(addr))?;
    Ok(fd)
}

/// `socketpair(AF_UNIX, kind)`: two connected unix sockets of type `SOCK_STREAM`, `SOCK_DGRAM` or
/// `SOCK_SEQPACKET`.
pub fn socketpair_of(kind: i32) -> Result<(OwnedFd, OwnedFd), OsError> {
    let mut fds = [-1 as libc::c_int; 2];
    let kind_flags = kind | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: `fds` has room for the two fds socketpair writes.
    cvt(
        unsafe { libc::socketpair(libc::AF_UNIX, kind_flags, 0, fds.as_mut_ptr()) },
        "socketpair",
    )
    .map_err(|e| e.with_detail(format!("type {kind}")))?;
    // SAFETY: socketpair just returned these two fds; nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{read, write};
    use crate::net::address::AnyAddress;
    use crate::net::sockaddr::SocketAddress;
    use crate::net::{accept, local_address_any};

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
        let (a, _b) = socketpair_of(libc::SOCK_SEQPACKET).unwrap();
        for fd in [&udp, &a] {
            let (fl, fdf) = flags_of(fd);
            assert_ne!(fl & libc::O_NONBLOCK, 0);
            assert_ne!(fdf & libc::FD_CLOEXEC, 0);
        }
    }

    #[test]
    fn a_tcp_socket_made_piece_by_piece_accepts_a_connection() {
        let listener = socket(libc::AF_INET, libc::SOCK_STREAM, 0).unwrap();
        bind(
            listener.as_raw_fd(),
            &SockAddr::inet("127.0.0.1:0".parse().unwrap()),
        )
        .unwrap();
        listen(listener.as_raw_fd(), 8).unwrap();
        let AnyAddress::Known(SocketAddress::Inet(addr)) =
            local_address_any(listener.as_raw_fd()).unwrap()
        else {
            panic!("not an inet address")
        };
        let client = socket(libc::AF_INET, libc::SOCK_STREAM, 0).unwrap();
        let _ = connect(client.as_raw_fd(), &SockAddr::inet(addr)).unwrap();
        let start = std::time::Instant::now();
        let server = loop {
            if let Some(fd) = accept(listener.as_raw_fd()).unwrap() {
                break fd;
            }
            assert!(start.elapsed().as_secs() < 2, "no connection arrived");
            std::thread::sleep(std::time::Duration::from_millis(1));
        };
        assert_eq!(write(client.as_raw_fd(), b"hi").unwrap(), Some(2));
        std::thread::sleep(std::time::Duration::from_millis(5));
        let mut buf = [0u8; 4];
        assert_eq!(read(server.as_raw_fd(), &mut buf).unwrap(), Some(2));
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
        let first = listen_udp("127.0.0.1:0".parse().unwrap(), true, None).unwrap();
        let AnyAddress::Known(SocketAddress::Inet(addr)) =
            local_address_any(first.as_raw_fd()).unwrap()
        else {
            panic!("not an inet address")
        };
        listen_udp(addr, true, None).unwrap();
        let err = listen_udp(addr, false, None).unwrap_err();
        assert_eq!((err.code().as_str(), err.syscall), ("EADDRINUSE", "bind"));
    }
}
