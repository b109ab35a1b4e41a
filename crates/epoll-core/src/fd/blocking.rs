//! Blocking mode of any fd (`O_NONBLOCK`), Python's `os.set_blocking` / `os.get_blocking`: fds that
//! arrive from elsewhere (systemd's sockets, inherited pipes) may be blocking, and a pipe handed to
//! another program may need to be.

use std::os::fd::RawFd;

use crate::error::OsError;
use crate::sys::cvt;

/// The fd's file status flags (`fcntl(F_GETFL)`).
fn status_flags(fd: RawFd, syscall: &'static str) -> Result<libc::c_int, OsError> {
    // SAFETY: F_GETFL takes no pointers.
    cvt(unsafe { libc::fcntl(fd, libc::F_GETFL) }, syscall)
        .map_err(|e| e.with_detail(format!("fd {fd}")))
}

/// `true` when reads and writes on `fd` wait (`O_NONBLOCK` clear). The flag belongs to the open
/// file, so every duplicate of the fd (in this process or another) shares it.
pub fn get_blocking(fd: RawFd) -> Result<bool, OsError> {
    Ok(status_flags(fd, "fcntl")? & libc::O_NONBLOCK == 0)
}

/// Makes `fd` blocking (`O_NONBLOCK` cleared) or non-blocking (set); nothing changes when it
/// already is.
pub fn set_blocking(fd: RawFd, blocking: bool) -> Result<(), OsError> {
    let flags = status_flags(fd, "fcntl")?;
    let wanted = if blocking {
        flags & !libc::O_NONBLOCK
    } else {
        flags | libc::O_NONBLOCK
    };
    if wanted != flags {
        // SAFETY: F_SETFL takes an integer, no pointers.
        cvt(unsafe { libc::fcntl(fd, libc::F_SETFL, wanted) }, "fcntl")
            .map_err(|e| e.with_detail(format!("fd {fd}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{pipe, pipe_with, read};
    use std::os::fd::AsRawFd;

    #[test]
    fn a_pipe_turns_blocking_and_back() {
        let (r, _w) = pipe().unwrap();
        assert!(!get_blocking(r.as_raw_fd()).unwrap());
        set_blocking(r.as_raw_fd(), true).unwrap();
        assert!(get_blocking(r.as_raw_fd()).unwrap());
        set_blocking(r.as_raw_fd(), false).unwrap();
        assert!(!get_blocking(r.as_raw_fd()).unwrap());
        let mut buf = [0u8; 4];
        assert_eq!(
            read(r.as_raw_fd(), &mut buf).unwrap(),
            None,
            "non-blocking again"
        );
    }

    #[test]
    fn a_blocking_pipe_is_blocking_at_both_ends() {
        let (r, w) = pipe_with(false).unwrap();
        assert!(get_blocking(r.as_raw_fd()).unwrap());
        assert!(get_blocking(w.as_raw_fd()).unwrap());
    }

    #[test]
    fn an_fd_that_is_not_open_is_ebadf() {
        let err = get_blocking(i32::MAX).unwrap_err();
        assert_eq!((err.code(), err.syscall), ("EBADF".to_owned(), "fcntl"));
        let err = set_blocking(i32::MAX, true).unwrap_err();
        assert_eq!(err.code(), "EBADF");
    }
}
