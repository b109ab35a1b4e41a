//! The one socket address type: a `struct sockaddr` of any family (IPv4, IPv6, unix, netlink,
//! packet, CAN, ...), kept as the raw bytes the kernel reads and writes.
//!
//! Addresses cross into JavaScript exactly as these bytes, both ways; decoding them into hosts,
//! ports and paths is the TypeScript layer's job (`lib/net/address.ts`). The only reading done here
//! is [`SockAddr::shown`], the words an error message puts after the failed call.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::os::fd::RawFd;

use crate::error::OsError;
use crate::sys::cvt;

/// The size of `struct sockaddr_storage`: no address of any family is longer.
pub const SOCKADDR_STORAGE_SIZE: usize = std::mem::size_of::<libc::sockaddr_storage>();

/// Bytes of the family field that starts every `struct sockaddr`.
const FAMILY_SIZE: usize = std::mem::size_of::<libc::sa_family_t>();

/// A `struct sockaddr` of any family with its length, ready for `bind`, `connect` and `sendto`.
#[derive(Clone, Copy)]
pub struct SockAddr {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
}

impl SockAddr {
    fn zeroed(len: usize) -> SockAddr {
        SockAddr {
            // SAFETY: sockaddr_storage is plain old data; all-zero is a valid (AF_UNSPEC) value.
            storage: unsafe { std::mem::zeroed() },
            len: len as libc::socklen_t,
        }
    }

    /// The storage as bytes, all of them (what the kernel may write into).
    fn storage_mut(&mut self) -> &mut [u8; SOCKADDR_STORAGE_SIZE] {
        // SAFETY: sockaddr_storage is exactly SOCKADDR_STORAGE_SIZE bytes of plain old data, at least
        // as aligned as a byte array, and any byte pattern is a valid value of it.
        unsafe { &mut *(&mut self.storage as *mut libc::sockaddr_storage).cast() }
    }

    /// A raw `struct sockaddr` (family first, in native byte order). EINVAL, reported as `syscall`,
    /// when it is shorter than the family field or longer than `sockaddr_storage`; ENAMETOOLONG, with
    /// the path, for a unix address longer than `sockaddr_un` (a path that does not fit `sun_path`
    /// with its NUL), whatever its length: the error a unix socket path has always had here.
    pub fn from_bytes(bytes: &[u8], syscall: &'static str) -> Result<SockAddr, OsError> {
        let family = bytes
            .get(..FAMILY_SIZE)
            .map(|f| libc::c_int::from(libc::sa_family_t::from_ne_bytes([f[0], f[1]])));
        if family == Some(libc::AF_UNIX) && bytes.len() > FAMILY_SIZE + SUN_PATH {
            let path = unix_path(&bytes[FAMILY_SIZE..]);
            return Err(OsError::new(libc::ENAMETOOLONG, syscall)
                .with_detail(String::from_utf8_lossy(path)));
        }
        if bytes.len() < FAMILY_SIZE || bytes.len() > SOCKADDR_STORAGE_SIZE {
            return Err(OsError::new(libc::EINVAL, syscall).with_detail(format!(
                "a raw sockaddr of {} bytes (2 to {SOCKADDR_STORAGE_SIZE})",
                bytes.len()
            )));
        }
        let mut addr = SockAddr::zeroed(bytes.len());
        addr.storage_mut()[..bytes.len()].copy_from_slice(bytes);
        Ok(addr)
    }

    /// The `sockaddr_in`/`sockaddr_in6` of an IPv4 or IPv6 address and port (for Rust callers: the
    /// binding only ever passes bytes).
    pub fn inet(addr: SocketAddr) -> SockAddr {
        let mut raw = SockAddr::zeroed(0);
        let storage = &mut raw.storage as *mut libc::sockaddr_storage;
        let len = match addr {
            SocketAddr::V4(v4) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: v4.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(v4.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than and aligned for every sockaddr type, and
                // sockaddr_in has no padding: every byte of the storage stays initialised.
                unsafe { storage.cast::<libc::sockaddr_in>().write(sin) };
                std::mem::size_of::<libc::sockaddr_in>()
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
                // SAFETY: as above, for sockaddr_in6 (no padding either).
                unsafe { storage.cast::<libc::sockaddr_in6>().write(sin6) };
                std::mem::size_of::<libc::sockaddr_in6>()
            }
        };
        raw.len = len as libc::socklen_t;
        raw
    }

    /// A unix socket's address: a path, or an abstract name when it starts with a NUL byte.
    /// ENAMETOOLONG (EINVAL when empty), reported as `syscall`, when it does not fit `sun_path`
    /// (108 bytes, a path's terminating NUL included).
    pub fn unix(path: &[u8], syscall: &'static str) -> Result<SockAddr, OsError> {
        let abstract_name = path.first() == Some(&0);
        // A path needs room for its terminating NUL; an abstract name is counted by length.
        let used = path.len() + usize::from(!abstract_name);
        if path.is_empty() || used > SUN_PATH {
            let errno = if path.is_empty() {
                libc::EINVAL
            } else {
                libc::ENAMETOOLONG
            };
            return Err(OsError::new(errno, syscall).with_detail(String::from_utf8_lossy(path)));
        }
        let mut addr = SockAddr::zeroed(FAMILY_SIZE + used);
        let family = (libc::AF_UNIX as libc::sa_family_t).to_ne_bytes();
        let storage = addr.storage_mut();
        storage[..FAMILY_SIZE].copy_from_slice(&family);
        storage[FAMILY_SIZE..FAMILY_SIZE + path.len()].copy_from_slice(path);
        Ok(addr)
    }

    /// The `struct sockaddr` bytes, as long as the address is.
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: the storage is SOCKADDR_STORAGE_SIZE initialised bytes (zeroed, then written by
        // us or the kernel) and `len` is clamped to it.
        let all: &[u8; SOCKADDR_STORAGE_SIZE] =
            unsafe { &*(&self.storage as *const libc::sockaddr_storage).cast() };
        &all[..(self.len as usize).min(SOCKADDR_STORAGE_SIZE)]
    }

    /// The address family (`AF_INET`, ...): the first field, whatever the family.
    pub fn family(&self) -> libc::c_int {
        libc::c_int::from(self.storage.ss_family)
    }

    /// What the address says, for error messages: `127.0.0.1:80`, `[::1]:443`, a unix path, or
    /// `family 16 (12 bytes)` for a family that has no text form here.
    pub fn shown(&self) -> String {
        let bytes = self.as_bytes();
        let field = |at: usize, n: usize| bytes.get(at..at + n);
        let port = |at: usize| field(at, 2).map(|p| u16::from_be_bytes([p[0], p[1]]));
        let text = match self.family() {
            libc::AF_INET if bytes.len() >= std::mem::size_of::<libc::sockaddr_in>() => {
                let ip: [u8; 4] = field(4, 4)
                    .and_then(|b| b.try_into().ok())
                    .unwrap_or_default();
                port(2).map(|port| SocketAddr::from((Ipv4Addr::from(ip), port)).to_string())
            }
            libc::AF_INET6 if bytes.len() >= std::mem::size_of::<libc::sockaddr_in6>() => {
                let word = |at| field(at, 4).map(|w| u32::from_ne_bytes([w[0], w[1], w[2], w[3]]));
                let ip: [u8; 16] = field(8, 16)
                    .and_then(|b| b.try_into().ok())
                    .unwrap_or_default();
                Some(
                    SocketAddrV6::new(
                        Ipv6Addr::from(ip),
                        port(2).unwrap_or_default(),
                        word(4).unwrap_or_default(),
                        word(24).unwrap_or_default(),
                    )
                    .to_string(),
                )
            }
            libc::AF_UNIX => {
                let path = unix_path(&bytes[FAMILY_SIZE.min(bytes.len())..]);
                Some(String::from_utf8_lossy(path).into_owned())
            }
            _ => None,
        };
        text.unwrap_or_else(|| format!("family {} ({} bytes)", self.family(), bytes.len()))
    }

    /// Pointer and length for the system calls.
    pub(crate) fn as_raw(&self) -> (*const libc::sockaddr, libc::socklen_t) {
        (
            (&self.storage as *const libc::sockaddr_storage).cast(),
            self.len,
        )
    }
}

/// Two addresses are equal when their bytes are.
impl PartialEq for SockAddr {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for SockAddr {}

impl std::fmt::Debug for SockAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SockAddr({})", self.shown())
    }
}

/// Bytes of `sun_path` in `struct sockaddr_un`.
const SUN_PATH: usize = std::mem::size_of::<libc::sockaddr_un>() - FAMILY_SIZE;

/// The path of a unix address's `sun_path` bytes: a filesystem path ends at its NUL; an abstract
/// name (leading NUL) is all of its bytes.
fn unix_path(sun_path: &[u8]) -> &[u8] {
    if sun_path.first() == Some(&0) {
        return sun_path;
    }
    &sun_path[..sun_path
        .iter()
        .position(|b| *b == 0)
        .unwrap_or(sun_path.len())]
}

/// The address `fd` is bound to (`getsockname`), as long as the kernel reports it (an unnamed unix
/// socket: only the family).
pub fn local_address(fd: RawFd) -> Result<SockAddr, OsError> {
    query(fd, false)
}

/// The address of the peer `fd` is connected to (`getpeername`); ENOTCONN when none.
pub fn remote_address(fd: RawFd) -> Result<SockAddr, OsError> {
    query(fd, true)
}

fn query(fd: RawFd, peer: bool) -> Result<SockAddr, OsError> {
    let mut addr = SockAddr::zeroed(SOCKADDR_STORAGE_SIZE);
    let out = (&mut addr.storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr>();
    let (ret, syscall) = if peer {
        // SAFETY: `out`/`addr.len` describe the writable sockaddr_storage of `addr`.
        (
            unsafe { libc::getpeername(fd, out, &mut addr.len) },
            "getpeername",
        )
    } else {
        // SAFETY: as above.
        (
            unsafe { libc::getsockname(fd, out, &mut addr.len) },
            "getsockname",
        )
    };
    cvt(ret, syscall).map_err(|e| e.with_detail(format!("fd {fd}")))?;
    // The kernel reports the full length even where it had to cut the address to fit.
    addr.len = addr.len.min(SOCKADDR_STORAGE_SIZE as libc::socklen_t);
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_addresses_are_the_kernels_structs_and_show_as_rust_writes_them() {
        for (text, len) in [
            ("127.0.0.1:8080", 16),
            ("[::1]:443", 28),
            ("[fe80::1%3]:9", 28),
        ] {
            let addr = SockAddr::inet(text.parse().unwrap());
            assert_eq!(addr.as_bytes().len(), len, "{text}");
            assert_eq!(addr.shown(), text);
        }
        let v4 = SockAddr::inet("127.0.0.1:53".parse().unwrap());
        assert_eq!(v4.family(), libc::AF_INET);
        assert_eq!(
            &v4.as_bytes()[2..8],
            &[0, 53, 127, 0, 0, 1],
            "port and address in network order"
        );
    }

    #[test]
    fn unix_paths_and_abstract_names_round_trip_through_bytes() {
        for path in [&b"/tmp/x.sock"[..], b"\0abstract"] {
            let addr = SockAddr::unix(path, "bind").unwrap();
            assert_eq!(addr.family(), libc::AF_UNIX);
            assert_eq!(addr.shown().as_bytes(), path);
            let again = SockAddr::from_bytes(addr.as_bytes(), "bind").unwrap();
            assert_eq!(again, addr);
        }
        assert_eq!(
            SockAddr::unix(b"/tmp/x.sock", "bind")
                .unwrap()
                .as_bytes()
                .len(),
            2 + 11 + 1,
            "a path is counted with its NUL"
        );
    }

    #[test]
    fn a_unix_path_longer_than_sun_path_is_enametoolong_and_an_empty_one_einval() {
        let long = [b'x'; 200];
        let err = SockAddr::unix(&long, "bind").unwrap_err();
        assert_eq!((err.code().as_str(), err.syscall), ("ENAMETOOLONG", "bind"));
        assert_eq!(SockAddr::unix(b"", "connect").unwrap_err().code(), "EINVAL");
        assert!(
            SockAddr::unix(&[b'x'; 107], "bind").is_ok(),
            "107 bytes and the NUL fit"
        );
        assert!(SockAddr::unix(&[b'x'; 108], "bind").is_err());
    }

    #[test]
    fn raw_unix_bytes_too_long_for_sun_path_are_enametoolong_with_the_path() {
        let path = format!("/tmp/{}", "x".repeat(200));
        let mut raw = (libc::AF_UNIX as libc::sa_family_t).to_ne_bytes().to_vec();
        raw.extend_from_slice(path.as_bytes());
        raw.push(0);
        let err = SockAddr::from_bytes(&raw, "connect").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("ENAMETOOLONG: file name too long, connect ({path})")
        );
        let fits = SockAddr::unix(&[b'x'; 107], "bind").unwrap();
        assert!(SockAddr::from_bytes(fits.as_bytes(), "bind").is_ok());
    }

    #[test]
    fn other_families_stay_raw_bytes() {
        let mut netlink = [0u8; 12];
        netlink[..2].copy_from_slice(&(libc::AF_NETLINK as u16).to_ne_bytes());
        let raw = SockAddr::from_bytes(&netlink, "bind").unwrap();
        assert_eq!(raw.family(), libc::AF_NETLINK);
        assert_eq!(raw.as_bytes(), &netlink);
        assert_eq!(raw.shown(), "family 16 (12 bytes)");
    }

    #[test]
    fn a_raw_sockaddr_longer_than_sockaddr_storage_is_einval() {
        let err = SockAddr::from_bytes(&[0u8; 129], "bind").err().unwrap();
        assert_eq!((err.code().as_str(), err.syscall), ("EINVAL", "bind"));
        assert!(
            SockAddr::from_bytes(&[1u8], "bind").is_err(),
            "one byte cannot hold a family"
        );
        assert!(SockAddr::from_bytes(&[0u8; 128], "bind").is_ok());
    }
}
