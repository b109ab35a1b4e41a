//! One message at a time: `sendto` and `recvmsg` with the sender's address and truncation.
//!
//! Datagrams are not streams: a 0-byte datagram is a message like any other (never end of file),
//! and a datagram larger than the buffer is cut to fit and reported as truncated (`MSG_TRUNC` in
//! the returned flags). `recvmsg` is used rather than `recvfrom(MSG_TRUNC)` because that flag, on
//! a TCP socket, means "discard the data".

use std::os::fd::RawFd;

use super::address::{SockAddr, SOCKADDR_STORAGE_SIZE};
use crate::error::OsError;
use crate::sys::{cvt_size, raw_syscall, retry};

/// `sendto(2)`: sends `buf` as one datagram to `to` (or to the connected peer when `None`).
/// `Some(n)` bytes sent, `None` when the send buffer is full. `MSG_NOSIGNAL`: a stream whose peer
/// is gone fails with EPIPE instead of raising SIGPIPE.
pub fn send_to(fd: RawFd, buf: &[u8], to: Option<&SockAddr>) -> Result<Option<usize>, OsError> {
    let (ptr, len) = to.map_or((std::ptr::null(), 0), SockAddr::as_raw);
    retry(|| {
        let args = [
            fd as libc::c_long,
            buf.as_ptr() as libc::c_long,
            buf.len() as libc::c_long,
            libc::MSG_NOSIGNAL as libc::c_long,
            ptr as libc::c_long,
            len as libc::c_long,
        ];
        // SAFETY: sendto(fd, buf, len, flags, addr, addrlen): `buf` is valid for reads of its
        // length; `ptr` is null or an initialised sockaddr of `len` bytes, both alive across the call.
        cvt_size(unsafe { raw_syscall(libc::SYS_sendto, args) }, "sendto")
    })
    .map_err(|e| e.with_detail(to.map_or_else(|| format!("fd {fd}"), SockAddr::shown)))
}

/// What [`recv_from`] received; the sender's address is left in the caller's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes written into the buffer (the datagram's size, or the buffer's if it was truncated).
    pub bytes: usize,
    /// The kernel's `msg_flags` (`MSG_TRUNC`: the datagram did not fit, the rest was discarded).
    pub flags: i32,
    /// Bytes of the sender's `struct sockaddr` written into `name` (0: no address, as for an
    /// unnamed unix peer).
    pub name_length: usize,
}

/// `recvmsg(2)` of one message into `buf`, the sender's raw `struct sockaddr` into `name` (up to
/// its length; 128 bytes hold any family); `None` when nothing is queued.
pub fn recv_from(fd: RawFd, buf: &mut [u8], name: &mut [u8]) -> Result<Option<Received>, OsError> {
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
        let args = [
            fd as libc::c_long,
            &mut msg as *mut libc::msghdr as libc::c_long,
            0,
            0,
            0,
            0,
        ];
        // SAFETY: recvmsg(fd, msg, 0): `msg` points at `name` (writable for `msg_namelen` bytes)
        // and one iovec over `buf`, all alive across the call.
        cvt_size(unsafe { raw_syscall(libc::SYS_recvmsg, args) }, "recvmsg")
    })
    .map_err(|e| e.with_detail(format!("fd {fd}")))?;
    Ok(received.map(|bytes| Received {
        bytes,
        flags: msg.msg_flags,
        // The kernel reports the full length of the address even when it was cut to fit `name`.
        name_length: (msg.msg_namelen as usize).min(name.len()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{connect, listen_udp, local_address, socket, socketpair};
    use std::os::fd::{AsRawFd, OwnedFd};

    fn udp_pair() -> (OwnedFd, OwnedFd, SockAddr) {
        let any = SockAddr::inet("127.0.0.1:0".parse().unwrap());
        let a = listen_udp(&any, false, None).unwrap();
        let b = listen_udp(&any, false, None).unwrap();
        let to = local_address(b.as_raw_fd()).unwrap();
        (a, b, to)
    }

    /// One datagram into `buf`, with the sender's address.
    fn receive(fd: &OwnedFd, buf: &mut [u8]) -> Option<(Received, Vec<u8>)> {
        let mut name = [0u8; SOCKADDR_STORAGE_SIZE];
        let got = recv_from(fd.as_raw_fd(), buf, &mut name).unwrap()?;
        Some((got, name[..got.name_length].to_vec()))
    }

    #[test]
    fn a_datagram_arrives_whole_with_its_sender() {
        let (a, b, to) = udp_pair();
        assert_eq!(
            send_to(a.as_raw_fd(), b"hello", Some(&to)).unwrap(),
            Some(5)
        );
        let mut buf = [0u8; 16];
        let (got, from) = receive(&b, &mut buf).expect("queued");
        assert_eq!((&buf[..got.bytes], got.flags), (&b"hello"[..], 0));
        assert_eq!(from, local_address(a.as_raw_fd()).unwrap().as_bytes());
        assert_eq!(receive(&b, &mut buf), None, "nothing more queued");
    }

    #[test]
    fn a_datagram_larger_than_the_buffer_is_truncated_and_the_rest_dropped() {
        let (a, b, to) = udp_pair();
        send_to(a.as_raw_fd(), b"0123456789", Some(&to)).unwrap();
        send_to(a.as_raw_fd(), b"next", Some(&to)).unwrap();
        let mut buf = [0u8; 4];
        let (got, _) = receive(&b, &mut buf).unwrap();
        assert_eq!(
            (got.bytes, got.flags & libc::MSG_TRUNC != 0, &buf),
            (4, true, b"0123")
        );
        let (got, _) = receive(&b, &mut buf).unwrap();
        assert_eq!(
            (got.bytes, got.flags & libc::MSG_TRUNC != 0, &buf),
            (4, false, b"next")
        );
    }

    #[test]
    fn a_zero_byte_datagram_is_a_message_not_end_of_file() {
        let (a, b, to) = udp_pair();
        assert_eq!(send_to(a.as_raw_fd(), b"", Some(&to)).unwrap(), Some(0));
        let mut buf = [0u8; 4];
        let (got, _) = receive(&b, &mut buf).expect("a 0-byte datagram is queued");
        assert_eq!((got.bytes, got.flags), (0, 0));
        assert_eq!(receive(&b, &mut buf), None);
    }

    #[test]
    fn an_unnamed_unix_datagram_peer_has_no_address() {
        let (a, b) = socketpair(libc::SOCK_DGRAM).unwrap();
        send_to(a.as_raw_fd(), b"x", None).unwrap();
        let mut buf = [0u8; 4];
        let (got, from) = receive(&b, &mut buf).unwrap();
        assert_eq!((got.bytes, got.name_length, from), (1, 0, vec![]));
    }

    #[test]
    fn a_name_buffer_too_small_for_the_sender_keeps_what_fits() {
        let (a, b, to) = udp_pair();
        send_to(a.as_raw_fd(), b"x", Some(&to)).unwrap();
        let mut name = [0u8; 4];
        let got = recv_from(b.as_raw_fd(), &mut [0u8; 4], &mut name)
            .unwrap()
            .unwrap();
        assert_eq!(got.name_length, 4, "a sockaddr_in is 16 bytes; 4 were room");
        assert_eq!(
            &name,
            &local_address(a.as_raw_fd()).unwrap().as_bytes()[..4]
        );
    }

    #[test]
    fn a_connected_udp_socket_reports_the_icmp_port_unreachable_as_econnrefused() {
        let (a, b, to) = udp_pair();
        drop(b);
        connect(a.as_raw_fd(), &to).unwrap();
        send_to(a.as_raw_fd(), b"anyone?", None).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut buf = [0u8; 4];
        let err = recv_from(a.as_raw_fd(), &mut buf, &mut []).unwrap_err();
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
        assert!(err.to_string().ends_with("(/nonexistent)"), "{err}");
    }
}
