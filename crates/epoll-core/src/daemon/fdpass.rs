//! Passing fds over unix sockets (`SCM_RIGHTS`) and asking who is on the other end (`SO_PEERCRED`).

use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use crate::error::OsError;
use crate::sys::retry;
use crate::sys::{cvt, cvt_size};

/// The kernel's limit of fds in one message (`SCM_MAX_FD`); more is refused with `EINVAL`.
pub const SCM_MAX_FD: usize = 253;

/// What one `recvmsg` brought.
#[derive(Debug)]
pub struct ReceivedFds {
    /// Data bytes read into the buffer (0 at end of stream).
    pub bytes: usize,
    /// The fds that came with them, close-on-exec, owned by the caller.
    pub fds: Vec<OwnedFd>,
    /// The message had more data than the buffer held (`MSG_TRUNC`, datagram and seqpacket sockets):
    /// the rest of it is gone. A stream socket keeps the rest for the next read and never sets it.
    pub truncated: bool,
    /// More fds were sent than the caller accepted, or the control message was cut short
    /// (`MSG_CTRUNC`): those fds were closed, by the kernel or here, and none is open in this process.
    pub fds_truncated: bool,
}

/// Room for `count` fds in one `SCM_RIGHTS` control message, as `u64` words (cmsg alignment).
fn control_buffer(count: usize) -> Vec<u64> {
    if count == 0 {
        return Vec::new();
    }
    // SAFETY: CMSG_SPACE only computes a size.
    let bytes = unsafe { libc::CMSG_SPACE((count * size_of::<RawFd>()) as u32) } as usize;
    vec![0u64; bytes.div_ceil(size_of::<u64>())]
}

/// `sendmsg` of `data` (at least one byte: a message with no data carries no fds on a stream
/// socket) with `fds` attached. `Ok(None)` when the socket is full. The fds stay open here: the
/// receiver gets duplicates.
pub fn send_fds(fd: RawFd, fds: &[RawFd], data: &[u8]) -> Result<Option<usize>, OsError> {
    if data.is_empty() || fds.is_empty() || fds.len() > SCM_MAX_FD {
        return Err(OsError::new(libc::EINVAL, "sendmsg").with_detail(format!(
            "{} fds and {} data bytes (1 to {SCM_MAX_FD} fds and at least 1 byte)",
            fds.len(),
            data.len()
        )));
    }
    let mut control = control_buffer(fds.len());
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: an all-zero msghdr is a valid empty message.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = (control.len() * size_of::<u64>()) as _;
    // SAFETY: `msg` points at `control`, which has CMSG_SPACE room for one header and the fds, so
    // CMSG_FIRSTHDR is non-null and the header and CMSG_DATA range lie inside it.
    unsafe {
        let header = libc::CMSG_FIRSTHDR(&msg);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(std::mem::size_of_val(fds) as u32) as _;
        std::ptr::copy_nonoverlapping(
            fds.as_ptr(),
            libc::CMSG_DATA(header).cast::<RawFd>(),
            fds.len(),
        );
    }
    retry(|| {
        // SAFETY: `msg` and everything it points at (`iov`, `data`, `control`) live across the call.
        cvt_size(
            unsafe { libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL) },
            "sendmsg",
        )
    })
    .map_err(|e| e.with_detail(format!("fd {fd}, {} fds", fds.len())))
}

/// `recvmsg` into `buf` with room for `max_fds` fds (`MSG_CMSG_CLOEXEC`). `Ok(None)` when nothing
/// is waiting. Data beyond `buf` is reported in `truncated`, fds beyond `max_fds` are closed and
/// reported in `fds_truncated`.
pub fn recv_fds(fd: RawFd, buf: &mut [u8], max_fds: usize) -> Result<Option<ReceivedFds>, OsError> {
    let max_fds = max_fds.min(SCM_MAX_FD);
    let mut control = control_buffer(max_fds);
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: an all-zero msghdr is a valid empty message.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if !control.is_empty() {
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = (control.len() * size_of::<u64>()) as _;
    }
    let flags = libc::MSG_CMSG_CLOEXEC | libc::MSG_DONTWAIT;
    let Some(bytes) = retry(|| {
        // SAFETY: `msg` points at `iov` (into `buf`) and `control`, both writable for their
        // lengths and alive across the call.
        cvt_size(unsafe { libc::recvmsg(fd, &mut msg, flags) }, "recvmsg")
    })
    .map_err(|e| e.with_detail(format!("fd {fd}")))?
    else {
        return Ok(None);
    };
    let truncated = msg.msg_flags & libc::MSG_TRUNC != 0;
    let mut fds_truncated = msg.msg_flags & libc::MSG_CTRUNC != 0;
    let filled = (msg.msg_controllen as usize).min(control.len() * size_of::<u64>());
    // SAFETY: `control` is `control.len()` initialised u64 words; `filled` bytes of them are read.
    let control_bytes =
        unsafe { std::slice::from_raw_parts(control.as_ptr().cast::<u8>(), filled) };
    let fds: Vec<OwnedFd> = rights_in(control_bytes)
        .into_iter()
        // SAFETY: each number is an fd the kernel just installed in this process for this message
        // (`SCM_RIGHTS`), owned by nobody else. Owned at once, so one beyond `max_fds` is closed
        // by the truncate below.
        .map(|raw| unsafe { OwnedFd::from_raw_fd(raw) })
        .collect();
    let mut fds = fds;
    // CMSG_SPACE rounds up: the kernel may fit one fd more than asked. Close the excess.
    if fds.len() > max_fds {
        fds.truncate(max_fds);
        fds_truncated = true;
    }
    Ok(Some(ReceivedFds {
        bytes,
        fds,
        truncated,
        fds_truncated,
    }))
}

/// The fds of every `SCM_RIGHTS` message in `control`, the control bytes `recvmsg` filled
/// (`msg_controllen` of them). Read field by field, trusting no length: a header whose `cmsg_len` is
/// shorter than a header ends the walk, and one that runs past the bytes is cut at their end (the
/// libc macros trust both; the kernel never writes either, the fuzz target writes both).
pub(crate) fn rights_in(control: &[u8]) -> Vec<RawFd> {
    const HEADER: usize = size_of::<libc::cmsghdr>();
    let align = |n: usize| n.next_multiple_of(size_of::<usize>());
    let field = |at: usize, n: usize| &control[at..at + n];
    let mut fds = Vec::new();
    let mut at = 0;
    while control.len().saturating_sub(at) >= HEADER {
        let len_bytes = field(at, size_of::<usize>());
        let len = usize::from_ne_bytes(len_bytes.try_into().unwrap_or_default());
        let int = |offset| i32::from_ne_bytes(field(at + offset, 4).try_into().unwrap_or_default());
        let (level, kind) = (int(size_of::<usize>()), int(size_of::<usize>() + 4));
        if len < HEADER {
            break;
        }
        let end = at.saturating_add(len).min(control.len());
        if level == libc::SOL_SOCKET && kind == libc::SCM_RIGHTS {
            let data = at + align(HEADER);
            if data < end {
                fds.extend(
                    control[data..end]
                        .chunks_exact(size_of::<RawFd>())
                        .map(|b| RawFd::from_ne_bytes(b.try_into().unwrap_or_default())),
                );
            }
        }
        // A length near usize::MAX must end the walk, not overflow the rounding (the fuzz target's
        // first find, in this very function).
        match len
            .checked_next_multiple_of(size_of::<usize>())
            .and_then(|step| at.checked_add(step))
        {
            Some(next) if next < control.len() => at = next,
            _ => break,
        }
    }
    fds
}

/// The process on the other end of a unix socket, as the kernel recorded it at `connect` (or
/// `socketpair`) time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credentials {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

/// `getsockopt(SO_PEERCRED)`.
pub fn peer_credentials(fd: RawFd) -> Result<Credentials, OsError> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = size_of::<libc::ucred>() as libc::socklen_t;
    cvt(
        // SAFETY: `cred` and `len` are valid for writes; `len` says how large `cred` is.
        unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_PEERCRED,
                (&mut cred as *mut libc::ucred).cast(),
                &mut len,
            )
        },
        "getsockopt",
    )
    .map_err(|e| e.with_detail(format!("SO_PEERCRED fd {fd}")))?;
    Ok(Credentials {
        pid: cred.pid,
        uid: cred.uid,
        gid: cred.gid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        fd::{pipe, read, write},
        net::socketpair,
    };
    use std::os::fd::AsRawFd;

    fn cloexec(fd: RawFd) -> bool {
        // SAFETY: F_GETFD takes no pointers.
        unsafe { libc::fcntl(fd, libc::F_GETFD) & libc::FD_CLOEXEC != 0 }
    }

    /// Whether a writer is still open: the non-blocking read would block instead of saying EOF.
    fn all_writers_closed_yet(r: &OwnedFd) -> bool {
        read(r.as_raw_fd(), &mut [0u8; 1]).unwrap().is_some()
    }

    /// Whether every copy of the pipe's write end is closed: a read of the read end says end of file.
    fn all_writers_closed(r: &OwnedFd) -> bool {
        read(r.as_raw_fd(), &mut [0u8; 1]).unwrap() == Some(0)
    }

    #[test]
    fn a_pipe_end_sent_over_a_socketpair_works_on_the_other_side_and_is_close_on_exec() {
        let (a, b) = socketpair(libc::SOCK_STREAM).unwrap();
        let (r, w) = pipe().unwrap();
        assert_eq!(
            send_fds(a.as_raw_fd(), &[w.as_raw_fd()], b"x").unwrap(),
            Some(1)
        );
        drop(w);
        let mut buf = [0u8; 8];
        let got = recv_fds(b.as_raw_fd(), &mut buf, SCM_MAX_FD)
            .unwrap()
            .unwrap();
        assert_eq!((got.bytes, &buf[..1], got.fds.len()), (1, &b"x"[..], 1));
        assert_eq!((got.truncated, got.fds_truncated), (false, false));
        assert!(cloexec(got.fds[0].as_raw_fd()));
        write(got.fds[0].as_raw_fd(), b"through").unwrap();
        let mut out = [0u8; 16];
        assert_eq!(read(r.as_raw_fd(), &mut out).unwrap(), Some(7));
    }

    #[test]
    fn fds_beyond_max_fds_are_closed_and_reported() {
        let (a, b) = socketpair(libc::SOCK_STREAM).unwrap();
        let (r, w) = pipe().unwrap();
        send_fds(a.as_raw_fd(), &[w.as_raw_fd(); 5], b"y").unwrap();
        drop(w);
        let mut buf = [0u8; 1];
        let got = recv_fds(b.as_raw_fd(), &mut buf, 1).unwrap().unwrap();
        assert_eq!(
            (got.fds.len(), got.truncated, got.fds_truncated),
            (1, false, true)
        );
        assert!(!all_writers_closed_yet(&r), "the one accepted copy is open");
        drop(got);
        assert!(all_writers_closed(&r), "no received copy is left open");
    }

    #[test]
    fn max_fds_zero_takes_the_data_and_drops_every_fd() {
        let (a, b) = socketpair(libc::SOCK_STREAM).unwrap();
        let (r, w) = pipe().unwrap();
        send_fds(a.as_raw_fd(), &[w.as_raw_fd()], b"z").unwrap();
        drop(w);
        let got = recv_fds(b.as_raw_fd(), &mut [0u8; 4], 0).unwrap().unwrap();
        assert_eq!((got.bytes, got.fds.len(), got.fds_truncated), (1, 0, true));
        assert!(all_writers_closed(&r));
    }

    #[test]
    fn nothing_waiting_is_none_and_end_of_stream_is_zero_bytes() {
        let (a, b) = socketpair(libc::SOCK_STREAM).unwrap();
        assert!(recv_fds(b.as_raw_fd(), &mut [0u8; 4], 4).unwrap().is_none());
        drop(a);
        let got = recv_fds(b.as_raw_fd(), &mut [0u8; 4], 4).unwrap().unwrap();
        assert_eq!((got.bytes, got.fds.len(), got.truncated), (0, 0, false));
    }

    #[test]
    fn data_cut_short_on_a_message_socket_is_reported_apart_from_the_fds() {
        // Issue 23, item 5: MSG_TRUNC was dropped, so a cut message looked whole.
        for kind in [libc::SOCK_SEQPACKET, libc::SOCK_DGRAM] {
            let (a, b) = socketpair(kind).unwrap();
            let (_r, w) = pipe().unwrap();
            send_fds(a.as_raw_fd(), &[w.as_raw_fd()], b"abcdef").unwrap();
            let mut buf = [0u8; 2];
            let got = recv_fds(b.as_raw_fd(), &mut buf, SCM_MAX_FD)
                .unwrap()
                .unwrap();
            assert_eq!((got.bytes, &buf, got.fds.len()), (2, b"ab", 1), "{kind}");
            assert_eq!((got.truncated, got.fds_truncated), (true, false), "{kind}");
            send_fds(a.as_raw_fd(), &[w.as_raw_fd(); 3], b"xy").unwrap();
            let got = recv_fds(b.as_raw_fd(), &mut buf, 1).unwrap().unwrap();
            assert_eq!((got.bytes, got.fds.len()), (2, 1), "{kind}");
            assert_eq!((got.truncated, got.fds_truncated), (false, true), "{kind}");
        }
    }

    #[test]
    fn no_fds_too_many_fds_or_no_data_are_refused_before_the_call() {
        let (a, _b) = socketpair(libc::SOCK_STREAM).unwrap();
        for (fds, data) in [
            (&[][..], &b"x"[..]),
            (&[0; SCM_MAX_FD + 1][..], b"x"),
            (&[0][..], b""),
        ] {
            assert_eq!(
                send_fds(a.as_raw_fd(), fds, data).unwrap_err().errno,
                libc::EINVAL
            );
        }
    }

    #[test]
    fn the_peer_of_a_socketpair_is_this_process() {
        let (a, _b) = socketpair(libc::SOCK_STREAM).unwrap();
        let cred = peer_credentials(a.as_raw_fd()).unwrap();
        // SAFETY: getpid/getuid/getgid take no arguments.
        let me = unsafe { (libc::getpid(), libc::getuid(), libc::getgid()) };
        assert_eq!((cred.pid, cred.uid, cred.gid), me);
        let (r, _w) = pipe().unwrap();
        assert_eq!(
            peer_credentials(r.as_raw_fd()).unwrap_err().errno,
            libc::ENOTSOCK
        );
    }
}
