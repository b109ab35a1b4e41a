//! Stream sockets: TCP and unix listeners, non-blocking connects, accept, addresses and options.
//!
//! `mio` creates the connecting unix sockets and socket pairs (non-blocking connect is exactly what
//! it does); TCP connects make their socket with `socket()` so that a failure there is named right.
//! Listeners are built with raw libc because mio fixes the backlog and cannot set `SO_REUSEPORT`
//! before `bind`; `accept` is raw `accept4` so that one call serves TCP and unix
//! listeners alike and never parses an address it does not need.

use std::net::SocketAddr;
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::path::Path;

use super::sockaddr::{self, RawAddr, SocketAddress};
use crate::error::OsError;
use crate::sys::cvt;
use crate::sys::{from_io, retry};

/// The listen backlog when none is given: Node's own default.
pub const DEFAULT_BACKLOG: i32 = 511;

/// Which direction(s) `shutdown` closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    Read,
    Write,
    Both,
}

fn socket(family: libc::c_int) -> Result<OwnedFd, OsError> {
    let kind = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: socket takes no pointers.
    let fd = cvt(unsafe { libc::socket(family, kind, 0) }, "socket")?;
    // SAFETY: socket just returned this fd; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn set_int_option(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> Result<(), OsError> {
    // SAFETY: the option value is a c_int that lives across the call, and its size is passed.
    cvt(
        unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        },
        "setsockopt",
    )?;
    Ok(())
}

fn bind_and_listen(fd: &OwnedFd, addr: &RawAddr, backlog: i32, shown: &str) -> Result<(), OsError> {
    use std::os::fd::AsRawFd;
    // SAFETY: `addr` points at an initialised sockaddr of `addr.len` bytes.
    cvt(
        unsafe { libc::bind(fd.as_raw_fd(), addr.ptr(), addr.len) },
        "bind",
    )
    .map_err(|e| e.with_detail(shown.to_owned()))?;
    // SAFETY: listen takes no pointers.
    cvt(unsafe { libc::listen(fd.as_raw_fd(), backlog) }, "listen")
        .map_err(|e| e.with_detail(shown.to_owned()))?;
    Ok(())
}

/// A listening TCP socket on `addr` with `SO_REUSEADDR` (as Node and every server sets it) and,
/// when asked, `SO_REUSEPORT` so that several sockets, in as many threads or processes, share the
/// port and the kernel spreads incoming connections over them.
pub fn listen_tcp(addr: SocketAddr, backlog: i32, reuse_port: bool) -> Result<OwnedFd, OsError> {
    use std::os::fd::AsRawFd;
    let raw = RawAddr::inet(&addr);
    let fd = socket(raw.family())?;
    set_int_option(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    if reuse_port {
        set_int_option(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEPORT, 1)?;
    }
    bind_and_listen(&fd, &raw, backlog, &addr.to_string())?;
    Ok(fd)
}

/// A listening unix stream socket at `path` (a leading NUL byte names an abstract socket).
/// An existing file at `path` is EADDRINUSE: removing stale sockets is the caller's decision.
pub fn listen_unix(path: &Path, backlog: i32) -> Result<OwnedFd, OsError> {
    let raw = RawAddr::unix(path, "bind")?;
    let fd = socket(libc::AF_UNIX)?;
    bind_and_listen(&fd, &raw, backlog, &path.to_string_lossy())?;
    Ok(fd)
}

/// Starts a non-blocking TCP connect. The fd becomes writable when the connect has finished;
/// then [`socket_error`] says whether it failed (ECONNREFUSED, ...).
/// The socket is made here rather than by mio so that running out of fds is reported as `socket`.
pub fn connect_tcp(addr: SocketAddr) -> Result<OwnedFd, OsError> {
    use std::os::fd::AsRawFd;
    let raw = RawAddr::inet(&addr);
    let fd = socket(raw.family())?;
    // SAFETY: `raw` points at an initialised sockaddr of `raw.len` bytes.
    match cvt(
        unsafe { libc::connect(fd.as_raw_fd(), raw.ptr(), raw.len) },
        "connect",
    ) {
        Ok(_) => Ok(fd),
        Err(e) if e.errno == libc::EINPROGRESS => Ok(fd),
        Err(e) => Err(e.with_detail(addr.to_string())),
    }
}

/// Connects a unix stream socket (non-blocking; a full listen queue is EAGAIN, thrown as an error
/// because no writable event would ever follow it). A leading NUL byte names an abstract socket.
pub fn connect_unix(path: &Path) -> Result<OwnedFd, OsError> {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::SocketAddr as UnixAddr;
    RawAddr::unix(path, "connect")?; // the same length checks and errors as `listen_unix`
    let shown = || path.to_string_lossy().into_owned();
    let bytes = path.as_os_str().as_bytes();
    let addr = match bytes.strip_prefix(b"\0") {
        Some(name) => UnixAddr::from_abstract_name(name),
        None => UnixAddr::from_pathname(path),
    }
    .map_err(|e| from_io(e, "connect").with_detail(shown()))?;
    let stream = mio::net::UnixStream::connect_addr(&addr)
        .map_err(|e| from_io(e, "connect").with_detail(shown()))?;
    // SAFETY: `into_raw_fd` gives up mio's ownership of the fresh fd.
    Ok(unsafe { OwnedFd::from_raw_fd(stream.into_raw_fd()) })
}

/// A connected pair of unix stream sockets (`socketpair(2)`).
pub fn socketpair() -> Result<(OwnedFd, OwnedFd), OsError> {
    let (a, b) = mio::net::UnixStream::pair().map_err(|e| from_io(e, "socketpair"))?;
    // SAFETY: `into_raw_fd` gives up mio's ownership of each fresh fd.
    Ok(unsafe {
        (
            OwnedFd::from_raw_fd(a.into_raw_fd()),
            OwnedFd::from_raw_fd(b.into_raw_fd()),
        )
    })
}

/// Accepts one pending connection: `None` when none is pending. The new fd is non-blocking and
/// close-on-exec. A connection reset while it waited in the queue (ECONNABORTED) is skipped.
pub fn accept(fd: RawFd) -> Result<Option<OwnedFd>, OsError> {
    loop {
        let accepted = retry(|| {
            let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
            // SAFETY: null address pointers ask accept4 not to report the peer's address.
            cvt(
                unsafe { libc::accept4(fd, std::ptr::null_mut(), std::ptr::null_mut(), flags) },
                "accept",
            )
        });
        match accepted {
            Err(e) if e.errno == libc::ECONNABORTED => continue,
            // SAFETY: accept4 just returned this fd; nothing else owns it.
            other => return other.map(|fd| fd.map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })),
        }
    }
}

/// The address `fd` is bound to (`getsockname`).
pub fn local_address(fd: RawFd) -> Result<SocketAddress, OsError> {
    sockaddr::query(fd, false)
}

/// The address of the peer `fd` is connected to (`getpeername`); ENOTCONN when none.
pub fn remote_address(fd: RawFd) -> Result<SocketAddress, OsError> {
    sockaddr::query(fd, true)
}

/// The pending socket error (`SO_ERROR`, a positive errno), 0 if none. Reading it clears it.
pub fn socket_error(fd: RawFd) -> Result<i32, OsError> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value`/`len` are a writable c_int and its size.
    cvt(
        unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_ERROR,
                (&mut value as *mut libc::c_int).cast(),
                &mut len,
            )
        },
        "getsockopt",
    )
    .map_err(|e| e.with_detail(format!("SO_ERROR fd {fd}")))?;
    Ok(value)
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

/// `TCP_NODELAY`: send small writes at once instead of waiting to coalesce them (Nagle).
pub fn set_no_delay(fd: RawFd, enable: bool) -> Result<(), OsError> {
    set_int_option(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, enable.into())
        .map_err(|e| e.with_detail(format!("TCP_NODELAY fd {fd}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{read, write};
    use std::os::fd::AsRawFd;
    use std::time::{Duration, Instant};

    fn loopback() -> SocketAddr {
        "127.0.0.1:0".parse().unwrap()
    }

    fn port_of(fd: &OwnedFd) -> SocketAddr {
        match local_address(fd.as_raw_fd()).unwrap() {
            SocketAddress::Inet(addr) => addr,
            other => panic!("not an inet address: {other:?}"),
        }
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

    #[test]
    fn a_client_connects_and_bytes_flow_both_ways() {
        let listener = listen_tcp(loopback(), DEFAULT_BACKLOG, false).unwrap();
        assert!(
            accept(listener.as_raw_fd()).unwrap().is_none(),
            "nothing pending yet"
        );
        let client = connect_tcp(port_of(&listener)).unwrap();
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
    fn a_refused_connect_shows_up_as_the_socket_error() {
        let listener = listen_tcp(loopback(), 1, false).unwrap();
        let addr = port_of(&listener);
        drop(listener);
        let client = connect_tcp(addr).unwrap();
        let errno =
            eventually(|| Some(socket_error(client.as_raw_fd()).unwrap()).filter(|e| *e != 0));
        assert_eq!(errno, libc::ECONNREFUSED);
    }

    #[test]
    fn a_busy_port_is_eaddrinuse_unless_every_socket_asks_for_reuse_port() {
        let first = listen_tcp(loopback(), 16, false).unwrap();
        let err = listen_tcp(port_of(&first), 16, false).unwrap_err();
        assert_eq!((err.code().as_str(), err.syscall), ("EADDRINUSE", "bind"));
        let shared = listen_tcp(loopback(), 16, true).unwrap();
        let again = listen_tcp(port_of(&shared), 16, true).unwrap();
        assert_eq!(port_of(&shared), port_of(&again));
    }

    #[test]
    fn ipv6_loopback_works() {
        let listener = match listen_tcp("[::1]:0".parse().unwrap(), 16, false) {
            Ok(listener) => listener,
            // Some containers have no IPv6 loopback: nothing to test there.
            Err(e) if e.errno == libc::EADDRNOTAVAIL || e.errno == libc::EAFNOSUPPORT => {
                eprintln!("skipped: no IPv6 loopback ({e})");
                return;
            }
            Err(e) => panic!("{e}"),
        };
        let client = connect_tcp(port_of(&listener)).unwrap();
        let _server = eventually(|| accept(listener.as_raw_fd()).unwrap());
        assert!(matches!(
            local_address(client.as_raw_fd()).unwrap(),
            SocketAddress::Inet(SocketAddr::V6(_))
        ));
    }

    #[test]
    fn unix_sockets_listen_connect_and_half_close() {
        let dir = std::env::temp_dir().join(format!("epoll-core-unix-{}", std::process::id()));
        let path = dir.with_extension("sock");
        let _ = std::fs::remove_file(&path);
        let listener = listen_unix(&path, 8).unwrap();
        assert_eq!(
            local_address(listener.as_raw_fd()).unwrap(),
            SocketAddress::Unix(path.as_os_str().as_encoded_bytes().to_vec())
        );
        let client = connect_unix(&path).unwrap();
        let server = eventually(|| accept(listener.as_raw_fd()).unwrap());
        shutdown(client.as_raw_fd(), Shutdown::Write).unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(
            eventually(|| read(server.as_raw_fd(), &mut buf).unwrap()),
            0,
            "EOF after the peer's shutdown"
        );
        let err = listen_unix(&path, 8).unwrap_err();
        assert_eq!(err.code(), "EADDRINUSE");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn abstract_unix_sockets_connect_by_name() {
        let name = format!("\0epoll-core-abstract-{}", std::process::id());
        let listener = listen_unix(Path::new(&name), 8).unwrap();
        let client = connect_unix(Path::new(&name)).unwrap();
        let _server = eventually(|| accept(listener.as_raw_fd()).unwrap());
        assert_eq!(
            remote_address(client.as_raw_fd()).unwrap(),
            SocketAddress::Unix(name.into_bytes())
        );
    }

    #[test]
    fn a_socketpair_is_connected() {
        let (a, b) = socketpair().unwrap();
        assert_eq!(write(a.as_raw_fd(), b"x").unwrap(), Some(1));
        let mut buf = [0u8; 1];
        assert_eq!(read(b.as_raw_fd(), &mut buf).unwrap(), Some(1));
        let err = set_no_delay(a.as_raw_fd(), true).unwrap_err();
        assert_eq!(
            err.code(),
            "EOPNOTSUPP",
            "TCP options do not apply to unix sockets"
        );
    }

    #[test]
    fn remote_address_of_a_listener_is_enotconn() {
        let listener = listen_tcp(loopback(), 1, false).unwrap();
        assert_eq!(
            remote_address(listener.as_raw_fd()).unwrap_err().code(),
            "ENOTCONN"
        );
    }
}
