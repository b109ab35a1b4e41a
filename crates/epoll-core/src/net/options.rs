//! Socket options (`getsockopt`/`setsockopt`) as bytes or ints, the two named ones servers use
//! most (`SO_ERROR`, `TCP_NODELAY`), and multicast group membership.

use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::RawFd;

use crate::error::OsError;
use crate::sys::cvt;

fn detail(level: i32, name: i32, fd: RawFd) -> String {
    format!("level {level}, option {name}, fd {fd}")
}

/// `setsockopt(2)` with the option's bytes as given (an int option takes a native-endian `c_int`).
pub fn set_option(fd: RawFd, level: i32, name: i32, value: &[u8]) -> Result<(), OsError> {
    setsockopt(fd, level, name, value).map_err(|e| e.with_detail(detail(level, name, fd)))
}

/// The one `setsockopt` call site. Its error has no detail: callers that name the option their own
/// way (`listen_stream`, [`set_no_delay`]) add theirs.
pub(crate) fn setsockopt(fd: RawFd, level: i32, name: i32, value: &[u8]) -> Result<(), OsError> {
    cvt(
        // SAFETY: `value` is valid for reads of its length, which is passed along.
        unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                value.as_ptr().cast(),
                value.len() as libc::socklen_t,
            )
        },
        "setsockopt",
    )?;
    Ok(())
}

/// `getsockopt(2)` into `out`: the number of bytes the kernel wrote.
pub fn get_option(fd: RawFd, level: i32, name: i32, out: &mut [u8]) -> Result<usize, OsError> {
    getsockopt(fd, level, name, out).map_err(|e| e.with_detail(detail(level, name, fd)))
}

/// The one `getsockopt` call site, without detail (as [`setsockopt`]).
fn getsockopt(fd: RawFd, level: i32, name: i32, out: &mut [u8]) -> Result<usize, OsError> {
    let mut len = out.len() as libc::socklen_t;
    cvt(
        // SAFETY: `out`/`len` describe a writable buffer; the kernel writes at most `len` bytes.
        unsafe { libc::getsockopt(fd, level, name, out.as_mut_ptr().cast(), &mut len) },
        "getsockopt",
    )?;
    Ok((len as usize).min(out.len()))
}

/// An int option's value.
pub fn get_int(fd: RawFd, level: i32, name: i32) -> Result<i32, OsError> {
    let mut bytes = [0u8; 4];
    let n = get_option(fd, level, name, &mut bytes)?;
    // Some options (IP_MULTICAST_LOOP, IP_MULTICAST_TTL, IP_TOS on old kernels) may answer in one byte.
    Ok(if n == 1 {
        i32::from(bytes[0])
    } else {
        i32::from_ne_bytes(bytes)
    })
}

/// Sets an int option.
pub fn set_int(fd: RawFd, level: i32, name: i32, value: i32) -> Result<(), OsError> {
    set_option(fd, level, name, &value.to_ne_bytes())
}

/// The pending socket error (`SO_ERROR`, a positive errno), 0 if none. Reading it clears it.
pub fn socket_error(fd: RawFd) -> Result<i32, OsError> {
    let mut bytes = [0u8; 4];
    getsockopt(fd, libc::SOL_SOCKET, libc::SO_ERROR, &mut bytes)
        .map_err(|e| e.with_detail(format!("SO_ERROR fd {fd}")))?;
    Ok(i32::from_ne_bytes(bytes))
}

/// `TCP_NODELAY`: send small writes at once instead of waiting to coalesce them (Nagle).
pub fn set_no_delay(fd: RawFd, enable: bool) -> Result<(), OsError> {
    let value = i32::from(enable).to_ne_bytes();
    setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, &value)
        .map_err(|e| e.with_detail(format!("TCP_NODELAY fd {fd}")))
}

/// The index of the network interface `name` (`if_nametoindex`); ENODEV when there is none.
pub fn interface_index(name: &str) -> Result<u32, OsError> {
    let c_name = std::ffi::CString::new(name)
        .map_err(|_| OsError::new(libc::EINVAL, "if_nametoindex").with_detail(name.to_owned()))?;
    // SAFETY: `c_name` is a NUL-terminated string alive across the call.
    match unsafe { libc::if_nametoindex(c_name.as_ptr()) } {
        0 => Err(OsError::last("if_nametoindex").with_detail(name.to_owned())),
        index => Ok(index),
    }
}

/// Which way [`membership`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Add,
    Drop,
}

/// Joins or leaves the multicast `group` (`IP_ADD_MEMBERSHIP`/`IPV6_ADD_MEMBERSHIP` and their drop
/// counterparts). The interface is an IPv4 address of it for IPv4 groups (`None`: the kernel picks
/// one from the routes), an interface index for IPv6 groups (`None` or 0: the kernel picks).
pub fn membership(
    fd: RawFd,
    group: IpAddr,
    interface: Option<IpAddr>,
    interface_index: u32,
    how: Membership,
) -> Result<(), OsError> {
    match group {
        IpAddr::V4(group) => {
            let local = match interface {
                Some(IpAddr::V4(v4)) => v4,
                Some(IpAddr::V6(_)) => {
                    return Err(OsError::new(libc::EINVAL, "setsockopt")
                        .with_detail("an IPv4 group needs an IPv4 interface address"))
                }
                None => Ipv4Addr::UNSPECIFIED,
            };
            let mreq = libc::ip_mreq {
                imr_multiaddr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(group.octets()),
                },
                imr_interface: libc::in_addr {
                    s_addr: u32::from_ne_bytes(local.octets()),
                },
            };
            let name = if how == Membership::Add {
                libc::IP_ADD_MEMBERSHIP
            } else {
                libc::IP_DROP_MEMBERSHIP
            };
            // SAFETY: ip_mreq is plain old data; viewing it as bytes for its full size is sound.
            let bytes = unsafe {
                std::slice::from_raw_parts(
                    (&mreq as *const libc::ip_mreq).cast::<u8>(),
                    std::mem::size_of_val(&mreq),
                )
            };
            set_option(fd, libc::IPPROTO_IP, name, bytes)
                .map_err(|e| e.with_detail(format!("{how:?} {group}")))
        }
        IpAddr::V6(group) => {
            let mreq = libc::ipv6_mreq {
                ipv6mr_multiaddr: libc::in6_addr {
                    s6_addr: group.octets(),
                },
                ipv6mr_interface: interface_index,
            };
            let name = if how == Membership::Add {
                libc::IPV6_ADD_MEMBERSHIP
            } else {
                libc::IPV6_DROP_MEMBERSHIP
            };
            // SAFETY: ipv6_mreq is plain old data; viewing it as bytes for its full size is sound.
            let bytes = unsafe {
                std::slice::from_raw_parts(
                    (&mreq as *const libc::ipv6_mreq).cast::<u8>(),
                    std::mem::size_of_val(&mreq),
                )
            };
            set_option(fd, libc::IPPROTO_IPV6, name, bytes)
                .map_err(|e| e.with_detail(format!("{how:?} {group}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::socket::socket;
    use std::os::fd::AsRawFd;

    #[test]
    fn the_loopback_interface_has_an_index_and_a_made_up_one_is_enodev() {
        assert!(interface_index("lo").unwrap() > 0);
        assert_eq!(interface_index("no-such-if0").unwrap_err().code(), "ENODEV");
    }

    #[test]
    fn int_options_round_trip() {
        let fd = socket(libc::AF_INET, libc::SOCK_STREAM, 0).unwrap();
        set_int(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, 1).unwrap();
        assert_eq!(
            get_int(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR).unwrap(),
            1
        );
        set_int(fd.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY, 1).unwrap();
        assert_eq!(
            get_int(fd.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY).unwrap(),
            1
        );
        assert_eq!(
            get_int(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_TYPE).unwrap(),
            libc::SOCK_STREAM
        );
        assert_eq!(
            get_int(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_PROTOCOL).unwrap(),
            libc::IPPROTO_TCP
        );
    }

    #[test]
    fn the_kernel_doubles_a_requested_receive_buffer() {
        let fd = socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
        set_int(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF, 65536).unwrap();
        assert_eq!(
            get_int(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF).unwrap(),
            131072
        );
    }

    #[test]
    fn linger_is_a_struct_of_two_ints() {
        let fd = socket(libc::AF_INET, libc::SOCK_STREAM, 0).unwrap();
        let mut value = [0u8; 8];
        value[..4].copy_from_slice(&1i32.to_ne_bytes());
        value[4..].copy_from_slice(&7i32.to_ne_bytes());
        set_option(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_LINGER, &value).unwrap();
        let mut out = [0u8; 8];
        assert_eq!(
            get_option(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_LINGER, &mut out).unwrap(),
            8
        );
        assert_eq!(out, value);
    }

    #[test]
    fn an_unknown_option_is_enoprotoopt_with_its_numbers() {
        let fd = socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
        let err = get_int(fd.as_raw_fd(), libc::SOL_SOCKET, 9999).unwrap_err();
        assert_eq!(
            (err.code().as_str(), err.syscall),
            ("ENOPROTOOPT", "getsockopt")
        );
        assert!(err.to_string().contains("option 9999"), "{err}");
    }

    #[test]
    fn a_udp_socket_joins_and_leaves_a_multicast_group_on_loopback() {
        let fd = socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
        let group: IpAddr = "239.255.0.1".parse().unwrap();
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        membership(fd.as_raw_fd(), group, Some(lo), 0, Membership::Add).unwrap();
        let again = membership(fd.as_raw_fd(), group, Some(lo), 0, Membership::Add).unwrap_err();
        assert_eq!(again.code(), "EADDRINUSE", "already a member");
        membership(fd.as_raw_fd(), group, Some(lo), 0, Membership::Drop).unwrap();
        let gone = membership(fd.as_raw_fd(), group, Some(lo), 0, Membership::Drop).unwrap_err();
        assert_eq!(gone.code(), "EADDRNOTAVAIL", "no longer a member");
    }
}
