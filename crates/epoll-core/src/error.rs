//! Errors of the core: operating-system failures that keep their errno, and use after close.

use std::ffi::CStr;
use std::fmt;

use crate::errno::errno_name;

/// A failed system call: the errno it set, the call's name and what it was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsError {
    /// The positive errno value (`libc::EBADF`, ...).
    pub errno: i32,
    /// The system call that failed, as Node names it (`epoll_ctl`, `epoll_wait`, ...).
    pub syscall: &'static str,
    /// What the call was asked to do ("EPOLL_CTL_ADD fd 7"), for the message.
    pub detail: Option<String>,
}

impl OsError {
    pub fn new(errno: i32, syscall: &'static str) -> Self {
        OsError {
            errno,
            syscall,
            detail: None,
        }
    }

    /// The error of the last failed libc call on this thread.
    pub fn last(syscall: &'static str) -> Self {
        let errno = std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO);
        OsError::new(errno, syscall)
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The symbolic name, `"EBADF"` (from the one table, `errno.rs`), or `"E<N>"` for a number Linux
    /// does not define.
    pub fn code(&self) -> String {
        errno_name(self.errno).map_or_else(|| format!("E{}", self.errno), str::to_owned)
    }

    /// The C library's description, lower-cased like libuv's: "bad file descriptor".
    pub fn description(&self) -> String {
        let mut buf = [0 as libc::c_char; 256];
        // SAFETY: `buf` is writable for its full length and the GNU/XSI variants both NUL-terminate
        // within it; the pointer is only read back as a C string below.
        let ret = unsafe { libc::strerror_r(self.errno, buf.as_mut_ptr(), buf.len()) };
        if ret != 0 {
            return format!("unknown error {}", self.errno);
        }
        // SAFETY: strerror_r succeeded, so `buf` holds a NUL-terminated string.
        let text = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy();
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => text.into_owned(),
        }
    }
}

/// Node's message shape: `EBADF: bad file descriptor, epoll_ctl (EPOLL_CTL_ADD fd 7)`.
impl fmt::Display for OsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}, {}",
            self.code(),
            self.description(),
            self.syscall
        )?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl std::error::Error for OsError {}

impl From<OsError> for std::io::Error {
    fn from(e: OsError) -> Self {
        std::io::Error::from_raw_os_error(e.errno)
    }
}

/// Everything an [`crate::Epoll`] operation can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The kernel refused: the errno is kept.
    Os(OsError),
    /// The instance was closed; its fd number may already belong to something else.
    Closed,
    /// `from_fd` was given an fd that is not an epoll instance, or one another instance already owns.
    NotEpoll(i32),
    AlreadyOwned(i32),
    /// The fd number was closed without unregister while a duplicate keeps its file open: the kernel
    /// still reports the old registration under that number, so a new registration would receive its
    /// events. Refused (nothing is registered).
    StaleRegistration(i32),
}

impl From<OsError> for Error {
    fn from(e: OsError) -> Self {
        Error::Os(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Os(e) => e.fmt(f),
            // Word for word `CLOSED_MESSAGE` of `lib/internal/errors.ts`: a spec checks that they match.
            Error::Closed => f.write_str(
                "The Epoll instance is closed: its fd number may already belong to something else",
            ),
            Error::NotEpoll(fd) => write!(f, "fd {fd} is not an epoll instance"),
            Error::AlreadyOwned(fd) => {
                write!(
                    f,
                    "fd {fd} is already owned by another Epoll instance of this process"
                )
            }
            Error::StaleRegistration(fd) => write!(
                f,
                "fd {fd} was closed without unregister while another descriptor still holds its file: \
                 the kernel still reports that old registration as fd {fd}, and a new fd with that \
                 number would receive its events. Unregister before closing, or close the duplicate"
            ),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_look_like_nodes() {
        let e = OsError::new(libc::EBADF, "epoll_ctl").with_detail("EPOLL_CTL_ADD fd 7");
        assert_eq!(e.code(), "EBADF");
        assert_eq!(
            e.to_string(),
            "EBADF: bad file descriptor, epoll_ctl (EPOLL_CTL_ADD fd 7)"
        );
    }

    #[test]
    fn unknown_errno_values_still_get_a_code() {
        assert_eq!(OsError::new(4095, "x").code(), "E4095");
    }
}
