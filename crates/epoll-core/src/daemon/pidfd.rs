//! Process fds (`pidfd_open(2)`, Linux >= 5.3; non-blocking since 5.10): readable when the
//! process exits, whether or not it is our child, and a race-free target for signals.

use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use crate::error::OsError;
use crate::sys::cvt;

/// A pidfd for `pid`: close-on-exec (always, for pidfds) and non-blocking (`PIDFD_NONBLOCK`, since
/// Linux 5.10; Linux 5.3 to 5.9 refuse the flag with `EINVAL`, and the fd is opened without it there:
/// polling and signalling work the same, only a `waitid(P_PIDFD)` on it would block).
pub fn pidfd_open(pid: i32) -> Result<OwnedFd, OsError> {
    let open = |flags: libc::c_int| {
        // SAFETY: pidfd_open takes no pointers; the raw syscall returns an int-sized fd or -1.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_pidfd_open,
                pid as libc::c_long,
                flags as libc::c_long,
            )
        };
        cvt(ret as libc::c_int, "pidfd_open")
    };
    let fd = match open(libc::O_NONBLOCK) {
        Err(e) if e.errno == libc::EINVAL && pid > 0 => open(0),
        other => other,
    }
    .map_err(|e| e.with_detail(format!("pid {pid}")))?;
    // SAFETY: pidfd_open just returned this fd; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `pidfd_send_signal(fd, signal, NULL, 0)`: like `kill`, but to exactly the process the fd was
/// opened for, even if its pid has been reused since (then `ESRCH`). Signal 0 checks it is alive.
pub fn pidfd_send_signal(fd: RawFd, signal: i32) -> Result<(), OsError> {
    // SAFETY: a NULL siginfo is allowed (the kernel fills in one like kill's); no other pointers.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            fd as libc::c_long,
            signal as libc::c_long,
            std::ptr::null::<libc::siginfo_t>(),
            0 as libc::c_long,
        )
    };
    cvt(ret as libc::c_int, "pidfd_send_signal")
        .map_err(|e| e.with_detail(format!("fd {fd}, signal {signal}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Command;

    fn readable(fd: RawFd, timeout_ms: i32) -> bool {
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut p, 1, timeout_ms) == 1 }
    }

    #[test]
    fn a_pidfd_turns_readable_when_its_process_is_killed_through_it() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let fd = pidfd_open(child.id() as i32).unwrap();
        // SAFETY: F_GETFL/F_GETFD take no pointers.
        let (fl, fd_flags) = unsafe {
            (
                libc::fcntl(fd.as_raw_fd(), libc::F_GETFL),
                libc::fcntl(fd.as_raw_fd(), libc::F_GETFD),
            )
        };
        assert_ne!(fl & libc::O_NONBLOCK, 0, "non-blocking on this kernel");
        assert_ne!(fd_flags & libc::FD_CLOEXEC, 0);
        assert!(!readable(fd.as_raw_fd(), 0), "alive: not readable");
        pidfd_send_signal(fd.as_raw_fd(), 0).unwrap();
        pidfd_send_signal(fd.as_raw_fd(), libc::SIGKILL).unwrap();
        assert!(readable(fd.as_raw_fd(), 10_000));
        assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGKILL));
        let err = pidfd_send_signal(fd.as_raw_fd(), libc::SIGTERM).unwrap_err();
        assert_eq!(err.errno, libc::ESRCH, "reaped: the signal reaches nobody");
    }

    #[test]
    fn a_process_that_is_not_our_child_can_be_watched_and_a_missing_pid_is_esrch() {
        let fd = pidfd_open(1).unwrap();
        assert!(!readable(fd.as_raw_fd(), 0));
        assert_eq!(pidfd_open(0x3fff_ffff).unwrap_err().errno, libc::ESRCH);
        assert_eq!(pidfd_open(-1).unwrap_err().errno, libc::EINVAL);
    }

    #[test]
    fn a_signal_out_of_range_is_einval() {
        let fd = pidfd_open(std::process::id() as i32).unwrap();
        assert_eq!(
            pidfd_send_signal(fd.as_raw_fd(), 1000).unwrap_err().errno,
            libc::EINVAL
        );
    }
}
