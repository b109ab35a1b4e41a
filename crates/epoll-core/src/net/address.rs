//! Socket addresses of any family: IPv4, IPv6 and unix ones decoded, every other family (netlink,
//! packet, CAN, ...) kept as the raw `struct sockaddr` bytes the kernel uses.

use std::net::SocketAddr;
use std::os::fd::RawFd;

use super::sockaddr::{RawAddr, SocketAddress};
use crate::error::OsError;
use crate::sys::cvt;

/// The size of `struct sockaddr_storage`: no address of any family is longer.
pub const SOCKADDR_STORAGE_SIZE: usize = std::mem::size_of::<libc::sockaddr_storage>();

/// An address as the kernel returned it: decoded when the family is one the package knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyAddress {
    /// IPv4, IPv6 or unix. A peer without an address (an unnamed unix socket) is an empty unix path.
    Known(SocketAddress),
    /// Any other family: the `struct sockaddr` bytes, starting with the family.
    Raw(Vec<u8>),
}

/// A `struct sockaddr` of any family with its length, ready for `bind`, `connect` and `sendto`.
pub struct SockAddr(pub(crate) RawAddr);

impl SockAddr {
    /// An IPv4 or IPv6 address and port.
    pub fn inet(addr: SocketAddr) -> SockAddr {
        SockAddr(RawAddr::inet(&addr))
    }

    /// A unix socket path (a leading NUL byte names an abstract socket). ENAMETOOLONG when it does
    /// not fit `sun_path`; `syscall` names the call the error is reported for.
    pub fn unix(path: &[u8], syscall: &'static str) -> Result<SockAddr, OsError> {
        use std::os::unix::ffi::OsStrExt;
        RawAddr::unix(
            std::path::Path::new(std::ffi::OsStr::from_bytes(path)),
            syscall,
        )
        .map(SockAddr)
    }

    /// A raw `struct sockaddr` (family first, in native byte order). EINVAL when it is shorter than
    /// the family field or longer than `sockaddr_storage`.
    pub fn raw(bytes: &[u8], syscall: &'static str) -> Result<SockAddr, OsError> {
        if bytes.len() < std::mem::size_of::<libc::sa_family_t>()
            || bytes.len() > SOCKADDR_STORAGE_SIZE
        {
            return Err(OsError::new(libc::EINVAL, syscall).with_detail(format!(
                "a raw sockaddr of {} bytes (2 to {SOCKADDR_STORAGE_SIZE})",
                bytes.len()
            )));
        }
        let mut raw = RawAddr {
            // SAFETY: sockaddr_storage is plain old data; all-zero is a valid (AF_UNSPEC) value.
            storage: unsafe { std::mem::zeroed() },
            len: bytes.len() as libc::socklen_t,
        };
        // SAFETY: `bytes` fits in the storage (checked above) and the two do not overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                (&mut raw.storage as *mut libc::sockaddr_storage).cast::<u8>(),
                bytes.len(),
            )
        };
        Ok(SockAddr(raw))
    }

    /// The address family (`AF_INET`, ...).
    pub fn family(&self) -> libc::c_int {
        self.0.family()
    }

    /// The port of an IPv4 or IPv6 address, `None` for other families.
    pub fn port(&self) -> Option<u16> {
        match self.decode() {
            AnyAddress::Known(SocketAddress::Inet(addr)) => Some(addr.port()),
            _ => None,
        }
    }

    /// What the address says, for messages.
    pub fn shown(&self) -> String {
        match self.decode() {
            AnyAddress::Known(SocketAddress::Inet(addr)) => addr.to_string(),
            AnyAddress::Known(SocketAddress::Unix(path)) => String::from_utf8_lossy(&path).into(),
            AnyAddress::Raw(bytes) => format!("family {} ({} bytes)", self.family(), bytes.len()),
        }
    }

    /// The `struct sockaddr` bytes, as long as the address is.
    pub fn to_bytes(&self) -> Vec<u8> {
        // SAFETY: the storage is a whole sockaddr_storage and `len` never exceeds its size.
        unsafe {
            std::slice::from_raw_parts(
                (&self.0.storage as *const libc::sockaddr_storage).cast::<u8>(),
                (self.0.len as usize).min(SOCKADDR_STORAGE_SIZE),
            )
        }
        .to_vec()
    }

    /// Pointer and length for the system calls.
    pub(crate) fn as_raw(&self) -> (*const libc::sockaddr, libc::socklen_t) {
        (self.0.ptr(), self.0.len)
    }

    /// Decodes what the kernel wrote (see [`decode`]).
    pub fn decode(&self) -> AnyAddress {
        // SAFETY: the storage is a whole sockaddr_storage, valid for reads of its full size.
        let bytes = unsafe {
            std::slice::from_raw_parts(
                (&self.0.storage as *const libc::sockaddr_storage).cast::<u8>(),
                SOCKADDR_STORAGE_SIZE,
            )
        };
        decode(&bytes[..(self.0.len as usize).min(SOCKADDR_STORAGE_SIZE)])
    }
}

/// Decodes the `len` bytes of a `struct sockaddr` the kernel wrote. An empty address (what
/// `recvfrom` reports for an unnamed unix peer) is an empty unix path.
pub fn decode(bytes: &[u8]) -> AnyAddress {
    let family_size = std::mem::size_of::<libc::sa_family_t>();
    if bytes.len() < family_size {
        return AnyAddress::Known(SocketAddress::Unix(Vec::new()));
    }
    let mut raw = RawAddr {
        // SAFETY: sockaddr_storage is plain old data; all-zero is a valid (AF_UNSPEC) value.
        storage: unsafe { std::mem::zeroed() },
        len: bytes.len().min(SOCKADDR_STORAGE_SIZE) as libc::socklen_t,
    };
    // SAFETY: at most SOCKADDR_STORAGE_SIZE bytes are copied into the storage; no overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            (&mut raw.storage as *mut libc::sockaddr_storage).cast::<u8>(),
            raw.len as usize,
        )
    };
    let known = match raw.family() {
        libc::AF_INET => bytes.len() >= std::mem::size_of::<libc::sockaddr_in>(),
        libc::AF_INET6 => bytes.len() >= std::mem::size_of::<libc::sockaddr_in6>(),
        libc::AF_UNIX => true,
        _ => false,
    };
    match known.then(|| raw.to_address().ok()).flatten() {
        Some(addr) => AnyAddress::Known(addr),
        None => AnyAddress::Raw(bytes[..raw.len as usize].to_vec()),
    }
}

/// `getsockname` (local) or `getpeername` (remote) of a socket of any family.
pub fn query_any(fd: RawFd, peer: bool) -> Result<AnyAddress, OsError> {
    let mut storage = [0u8; SOCKADDR_STORAGE_SIZE];
    let mut len = SOCKADDR_STORAGE_SIZE as libc::socklen_t;
    let out = storage.as_mut_ptr().cast::<libc::sockaddr>();
    let (ret, syscall) = if peer {
        // SAFETY: `out`/`len` describe a writable buffer of SOCKADDR_STORAGE_SIZE bytes.
        (
            unsafe { libc::getpeername(fd, out, &mut len) },
            "getpeername",
        )
    } else {
        // SAFETY: as above.
        (
            unsafe { libc::getsockname(fd, out, &mut len) },
            "getsockname",
        )
    };
    cvt(ret, syscall).map_err(|e| e.with_detail(format!("fd {fd}")))?;
    Ok(decode(
        &storage[..(len as usize).min(SOCKADDR_STORAGE_SIZE)],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_and_unix_addresses_decode_and_other_families_stay_raw() {
        let v4 = SockAddr::inet("127.0.0.1:53".parse().unwrap());
        assert_eq!(
            v4.decode(),
            AnyAddress::Known(SocketAddress::Inet("127.0.0.1:53".parse().unwrap()))
        );
        assert_eq!(v4.port(), Some(53));
        let unix = SockAddr::unix(b"\0name", "bind").unwrap();
        assert_eq!(
            unix.decode(),
            AnyAddress::Known(SocketAddress::Unix(b"\0name".to_vec()))
        );
        let mut netlink = [0u8; 12];
        netlink[..2].copy_from_slice(&(libc::AF_NETLINK as u16).to_ne_bytes());
        let raw = SockAddr::raw(&netlink, "bind").unwrap();
        assert_eq!(raw.family(), libc::AF_NETLINK);
        assert_eq!(raw.decode(), AnyAddress::Raw(netlink.to_vec()));
        assert_eq!(raw.port(), None);
    }

    #[test]
    fn a_raw_sockaddr_longer_than_sockaddr_storage_is_einval() {
        let err = SockAddr::raw(&[0u8; 129], "bind").err().unwrap();
        assert_eq!((err.code().as_str(), err.syscall), ("EINVAL", "bind"));
        assert!(
            SockAddr::raw(&[1u8], "bind").is_err(),
            "one byte cannot hold a family"
        );
        assert!(SockAddr::raw(&[0u8; 128], "bind").is_ok());
    }

    #[test]
    fn an_empty_address_is_an_unnamed_unix_peer() {
        assert_eq!(
            decode(&[]),
            AnyAddress::Known(SocketAddress::Unix(Vec::new()))
        );
    }
}
