//! Socket addresses between Rust's types and the kernel's `sockaddr_*` structures.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::error::OsError;
use crate::sys::cvt;

/// The address of one end of a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketAddress {
    /// An IPv4 or IPv6 address and port.
    Inet(SocketAddr),
    /// A unix socket's path; an abstract name starts with `\0`; unnamed sockets have an empty path.
    Unix(Vec<u8>),
}

/// A kernel socket address with its length, ready for `bind`/`connect`.
pub(crate) struct RawAddr {
    pub storage: libc::sockaddr_storage,
    pub len: libc::socklen_t,
}

impl RawAddr {
    pub fn ptr(&self) -> *const libc::sockaddr {
        (&self.storage as *const libc::sockaddr_storage).cast()
    }

    pub fn family(&self) -> libc::c_int {
        self.storage.ss_family as libc::c_int
    }

    fn zeroed() -> RawAddr {
        RawAddr {
            // SAFETY: sockaddr_storage is plain old data; all-zero is a valid (AF_UNSPEC) value.
            storage: unsafe { std::mem::zeroed() },
            len: std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t,
        }
    }

    pub fn inet(addr: &SocketAddr) -> RawAddr {
        let mut raw = RawAddr::zeroed();
        match addr {
            SocketAddr::V4(v4) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: v4.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(v4.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than and aligned for every sockaddr type.
                unsafe {
                    std::ptr::write(
                        (&mut raw.storage as *mut libc::sockaddr_storage).cast(),
                        sin,
                    )
                };
                raw.len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            }
            SocketAddr::V6(v6) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: v6.port().to_be(),
                    sin6_flowinfo: v6.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: v6.ip().octets(),
                    },
                    sin6_scope_id: v6.scope_id(),
                };
                // SAFETY: as above.
                unsafe {
                    std::ptr::write(
                        (&mut raw.storage as *mut libc::sockaddr_storage).cast(),
                        sin6,
                    )
                };
                raw.len = std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
            }
        }
        raw
    }

    /// A unix address; ENAMETOOLONG when the path does not fit `sun_path` (108 bytes with its NUL).
    pub fn unix(path: &Path, syscall: &'static str) -> Result<RawAddr, OsError> {
        let bytes = path.as_os_str().as_bytes();
        let mut raw = RawAddr::zeroed();
        // SAFETY: sockaddr_un fits in sockaddr_storage, which is zeroed and suitably aligned.
        let sun = unsafe {
            &mut *(&mut raw.storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_un>()
        };
        let abstract_name = bytes.first() == Some(&0);
        // A path needs room for its terminating NUL; an abstract name is counted by length.
        if bytes.is_empty() || bytes.len() + usize::from(!abstract_name) > sun.sun_path.len() {
            let errno = if bytes.is_empty() {
                libc::EINVAL
            } else {
                libc::ENAMETOOLONG
            };
            return Err(OsError::new(errno, syscall).with_detail(String::from_utf8_lossy(bytes)));
        }
        sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
        for (dst, src) in sun.sun_path.iter_mut().zip(bytes) {
            *dst = *src as libc::c_char;
        }
        let base = std::mem::size_of::<libc::sa_family_t>();
        raw.len = (base + bytes.len() + usize::from(!abstract_name)) as libc::socklen_t;
        Ok(raw)
    }

    /// Reads back what `getsockname`/`getpeername`/`accept` wrote.
    pub fn to_address(&self) -> Result<SocketAddress, OsError> {
        let base = (&self.storage as *const libc::sockaddr_storage).cast::<u8>();
        match self.family() {
            libc::AF_INET => {
                // SAFETY: the kernel wrote a sockaddr_in (family AF_INET) into the storage.
                let sin = unsafe { &*base.cast::<libc::sockaddr_in>() };
                let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
                Ok(SocketAddress::Inet(SocketAddr::V4(SocketAddrV4::new(
                    ip,
                    u16::from_be(sin.sin_port),
                ))))
            }
            libc::AF_INET6 => {
                // SAFETY: the kernel wrote a sockaddr_in6 (family AF_INET6) into the storage.
                let sin6 = unsafe { &*base.cast::<libc::sockaddr_in6>() };
                let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                Ok(SocketAddress::Inet(SocketAddr::V6(SocketAddrV6::new(
                    ip,
                    u16::from_be(sin6.sin6_port),
                    sin6.sin6_flowinfo,
                    sin6.sin6_scope_id,
                ))))
            }
            libc::AF_UNIX => {
                // SAFETY: the kernel wrote a sockaddr_un (family AF_UNIX) into the storage.
                let sun = unsafe { &*base.cast::<libc::sockaddr_un>() };
                let offset = std::mem::size_of::<libc::sa_family_t>();
                let len = (self.len as usize)
                    .saturating_sub(offset)
                    .min(sun.sun_path.len());
                let mut path: Vec<u8> = sun.sun_path[..len].iter().map(|c| *c as u8).collect();
                // A filesystem path is NUL-terminated; an abstract name (leading NUL) is not.
                if path.first() != Some(&0) {
                    if let Some(end) = path.iter().position(|b| *b == 0) {
                        path.truncate(end);
                    }
                }
                Ok(SocketAddress::Unix(path))
            }
            family => Err(OsError::new(libc::EAFNOSUPPORT, "getsockname")
                .with_detail(format!("address family {family}"))),
        }
    }
}

/// `getsockname` (local) or `getpeername` (remote) of `fd`.
pub(crate) fn query(fd: RawFd, peer: bool) -> Result<SocketAddress, OsError> {
    let mut raw = RawAddr::zeroed();
    let storage = (&mut raw.storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr>();
    let (ret, syscall) = if peer {
        // SAFETY: `storage`/`raw.len` describe a writable sockaddr_storage.
        (
            unsafe { libc::getpeername(fd, storage, &mut raw.len) },
            "getpeername",
        )
    } else {
        // SAFETY: as above.
        (
            unsafe { libc::getsockname(fd, storage, &mut raw.len) },
            "getsockname",
        )
    };
    cvt(ret, syscall).map_err(|e| e.with_detail(format!("fd {fd}")))?;
    raw.to_address().map_err(|mut e| {
        e.syscall = syscall;
        e
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_addresses_round_trip() {
        for text in ["127.0.0.1:8080", "[::1]:443", "[fe80::1%3]:9"] {
            let addr: SocketAddr = text.parse().unwrap();
            let raw = RawAddr::inet(&addr);
            assert_eq!(
                raw.to_address().unwrap(),
                SocketAddress::Inet(addr),
                "{text}"
            );
        }
    }

    #[test]
    fn unix_paths_round_trip_including_abstract_names() {
        for path in ["/tmp/x.sock", "\0abstract"] {
            let raw = RawAddr::unix(Path::new(path), "bind").unwrap();
            assert_eq!(
                raw.to_address().unwrap(),
                SocketAddress::Unix(path.as_bytes().to_vec())
            );
        }
    }

    #[test]
    fn a_unix_path_longer_than_sun_path_is_enametoolong() {
        let long = "/tmp/".to_owned() + &"x".repeat(200);
        let err = RawAddr::unix(Path::new(&long), "bind").err().unwrap();
        assert_eq!(err.code(), "ENAMETOOLONG");
    }
}
