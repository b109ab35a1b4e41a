//! One message at a time: `sendto` and `recvmsg` with the sender's address and truncation.
//!
//! Datagrams are not streams: a 0-byte datagram is a message like any other (never end of file),
//! and a datagram larger than the buffer is cut to fit and reported as truncated (`MSG_TRUNC` in
//! the returned flags). `recvmsg` is used rather than `recvfrom(MSG_TRUNC)` because that flag, on
//! a TCP socket, means "discard the data".

use std::os::fd::RawFd;

use super::address::{decode, AnyAddress, SockAddr, SOCKADDR_STORAGE_SIZE};
use crate::error::OsError;
use crate::sys::cvt_size;
use crate::sys::retry;

/// `sendto(2)`: sends `buf` as one datagram to `to` (or to the connected peer when `None`).
/// `Some(n)` bytes sent, `None` when the send buffer is full. `MSG_NOSIGNAL`: a stream whose peer
/// is gone fails with EPIPE instead of raising SIGPIPE.
pub fn send_to(fd: RawFd, buf: &[u8], to: Option<&SockAddr>) -> Result<Option<usize>, OsError> {
    let (ptr, len) = to.map_or((std::ptr::null(), 0), SockAddr::as_raw);
    retry(|| {
        // SAFETY: `buf` is valid for reads of its length; `ptr` is null or an initialised sockaddr
        // of `len` bytes, both alive across the call.
        cvt_size(
            unsafe {
                libc::sendto(
                    fd,
                    buf.as_ptr().cast(),
                    buf.len(),
                    libc::MSG_NOSIGNAL,
                    ptr,
                    len,
                )
            },
            "sendto",
        )
    })
    .map_err(|e| e.with_detail(to.map_or_else(|| format!("fd {fd}"), SockAddr::shown)))
}

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// Bytes written into the buffer (the datagram's size, or the buffer's if it was truncated).
    pub bytes: usize,
    /// The datagram did not fit: the rest of it was discarded.
    pub truncated: bool,
    /// The sender (an unnamed unix peer is an empty unix path).
    pub from: AnyAddress,
}

/// `recvmsg(2)` of one message into `buf`: `None` when nothing is queued.
pub fn recv_from(fd: RawFd, buf: &mut [u8]) -> Result<Option<Datagram>, OsError> {
    let mut name = [0u8; SOCKADDR_STORAGE_SIZE];
    Ok(recv_from_raw(fd, buf, &mut name)?.map(|raw| Datagram {
        bytes: raw.bytes,
        truncated: raw.flags & libc::MSG_TRUNC != 0,
        from: decode(&name[..raw.name_length]),
    }))
}

/// What [`recv_from_raw`] received: the sender's address is left in the caller's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawDatagram {
    /// Bytes written into the buffer.
    pub bytes: usize,
    /// The kernel's `msg_flags` (`MSG_TRUNC`: the datagram did not fit).
    pub flags: i32,
    /// Bytes of the sender's `struct sockaddr` written into `name` (0: no address).
    pub name_length: usize,
}

/// `recvmsg(2)` of one message into `buf`, the sender's raw `struct sockaddr` into `name` (up to
/// its length; 128 bytes hold any family): decoding it is left to the caller, who may not need it.
pub fn recv_from_raw(
    fd: RawFd,
    buf: &mut [u8],
    name: &mut [u8],
) -> Result<Option<RawDatagram>, OsError> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain old data; all-zero means no name, no iovecs, no control data.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    let received = retry(|| {
        msg.msg_name = name.as_mut_ptr().cast();
        msg.msg_namelen = name.len().min(SOCKADDR_STORAGE_SIZE) as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        // SAFETY: `msg` points at `name` (writable for `msg_namelen` bytes) and one iovec over
        // `buf`, all alive across the call.
        cvt_size(unsafe { libc::recvmsg(fd, &mut msg, 0) }, "recvmsg")
    })
    .map_err(|e| e.with_detail(format!("fd {fd}")))?;
    Ok(received.map(|bytes| RawDatagram {
        bytes,
        flags: msg.msg_flags,
        // The kernel reports the full length of the address even when it was cut to fit `name`.
        name_length: (msg.msg_namelen as usize).min(name.len()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::sockaddr::SocketAddress;
    use crate::net::{listen_udp, local_address_any, socket, socketpair_of};
    use std::os::fd::{AsRawFd, OwnedFd};

    fn udp_pair() -> (OwnedFd, OwnedFd, SockAddr) {
        let a = listen_udp("127.0.0.1:0".parse().unwrap(), false, None).unwrap();
        let b = listen_udp("127.0.0.1:0".parse().unwrap(), false, None).unwrap();
        let AnyAddress::Known(SocketAddress::Inet(to)) = local_address_any(b.as_raw_fd()).unwrap()
        else {
            panic!("not inet")
        };
        (a, b, SockAddr::inet(to))
    }

    #[test]
    fn a_datagram_arrives_whole_with_its_sender() {
        let (a, b, to) = udp_pair();
        assert_eq!(
            send_to(a.as_raw_fd(), b"hello", Some(&to)).unwrap(),
            Some(5)
        );
        let mut buf = [0u8; 16];
        let got = recv_from(b.as_raw_fd(), &mut buf).unwrap().expect("queued");
        assert_eq!((&buf[..got.bytes], got.truncated), (&b"hello"[..], false));
        assert_eq!(got.from, local_address_any(a.as_raw_fd()).unwrap());
        assert_eq!(
            recv_from(b.as_raw_fd(), &mut buf).unwrap(),
            None,
            "nothing more queued"
        );
    }

    #[test]
    fn a_datagram_larger_than_the_buffer_is_truncated_and_the_rest_dropped() {
        let (a, b, to) = udp_pair();
        send_to(a.as_raw_fd(), b"0123456789", Some(&to)).unwrap();
        send_to(a.as_raw_fd(), b"next", Some(&to)).unwrap();
        let mut buf = [0u8; 4];
        let got = recv_from(b.as_raw_fd(), &mut buf).unwrap().unwrap();
        assert_eq!((got.bytes, got.truncated, &buf), (4, true, b"0123"));
        let got = recv_from(b.as_raw_fd(), &mut buf).unwrap().unwrap();
        assert_eq!((got.bytes, got.truncated, &buf), (4, false, b"next"));
    }

    #[test]
    fn a_zero_byte_datagram_is_a_message_not_end_of_file() {
        let (a, b, to) = udp_pair();
        assert_eq!(send_to(a.as_raw_fd(), b"", Some(&to)).unwrap(), Some(0));
        let mut buf = [0u8; 4];
        let got = recv_from(b.as_raw_fd(), &mut buf)
            .unwrap()
            .expect("a 0-byte datagram is queued");
        assert_eq!((got.bytes, got.truncated), (0, false));
        assert_eq!(recv_from(b.as_raw_fd(), &mut buf).unwrap(), None);
    }

    #[test]
    fn an_unnamed_unix_datagram_peer_has_an_empty_path() {
        let (a, b) = socketpair_of(libc::SOCK_DGRAM).unwrap();
        send_to(a.as_raw_fd(), b"x", None).unwrap();
        let mut buf = [0u8; 4];
        let got = recv_from(b.as_raw_fd(), &mut buf).unwrap().unwrap();
        assert_eq!(got.from, AnyAddress::Known(SocketAddress::Unix(Vec::new())));
    }

    #[test]
    fn a_connected_udp_socket_reports_the_icmp_port_unreachable_as_econnrefused() {
        let (a, b, to) = udp_pair();
        drop(b);
        crate::net::connect(a.as_raw_fd(), &to).unwrap();
        send_to(a.as_raw_fd(), b"anyone?", None).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut buf = [0u8; 4];
        let err = recv_from(a.as_raw_fd(), &mut buf).unwrap_err();
        assert_eq!(
            (err.code().as_str(), err.syscall),
            ("ECONNREFUSED", "recvmsg")
        );
    }

    #[test]
    fn sending_to_a_family_the_socket_does_not_speak_is_an_error_named_sendto() {
        let fd = socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
        let to = SockAddr::unix(b"/nonexistent", "sendto").unwrap();
        let err = send_to(fd.as_raw_fd(), b"x", Some(&to)).unwrap_err();
        assert_eq!(err.syscall, "sendto");
    }
}
