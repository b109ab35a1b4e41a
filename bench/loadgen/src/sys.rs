//! The one place where libc's `-1` becomes an `io::Error` that keeps errno and names the call.

use std::io;

/// Turns the `-1` convention of a libc call into an error carrying `errno` and the call's name.
pub(crate) fn cvt(ret: libc::c_int, syscall: &'static str) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(named(syscall))
    } else {
        Ok(ret)
    }
}

/// `cvt` for calls returning `ssize_t`.
pub(crate) fn cvt_size(ret: libc::ssize_t, syscall: &'static str) -> io::Result<usize> {
    if ret == -1 {
        Err(named(syscall))
    } else {
        Ok(ret as usize)
    }
}

fn named(syscall: &'static str) -> io::Error {
    let err = io::Error::last_os_error();
    io::Error::new(err.kind(), format!("{syscall}: {err}"))
}

/// Whether an error means "try again later" on a non-blocking fd.
pub(crate) fn would_block(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::WouldBlock
}
