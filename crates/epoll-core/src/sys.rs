//! The one place where libc's `-1` becomes an error that keeps its errno.

use crate::error::OsError;

/// Turns the `-1` convention of a libc call into `Err(OsError)` carrying `errno` and the call's name.
pub(crate) fn cvt(ret: libc::c_int, syscall: &'static str) -> Result<libc::c_int, OsError> {
    if ret == -1 {
        Err(OsError::last(syscall))
    } else {
        Ok(ret)
    }
}

/// `cvt` for calls returning `ssize_t`.
pub(crate) fn cvt_size(ret: libc::ssize_t, syscall: &'static str) -> Result<usize, OsError> {
    if ret == -1 {
        Err(OsError::last(syscall))
    } else {
        Ok(ret as usize)
    }
}

/// Runs a libc call until it is not interrupted by a signal. `Ok(None)` when it would block.
pub(crate) fn retry<T>(mut call: impl FnMut() -> Result<T, OsError>) -> Result<Option<T>, OsError> {
    loop {
        match call() {
            Ok(value) => return Ok(Some(value)),
            Err(e) if e.errno == libc::EINTR => continue,
            Err(e) if e.errno == libc::EAGAIN || e.errno == libc::EWOULDBLOCK => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}
