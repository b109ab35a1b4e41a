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

/// A system call by number through libc's `syscall()`, for the calls on the hot paths (`read`,
/// `write`, `sendto`, `recvmsg`, `accept4`, `epoll_pwait`). glibc wraps its own `read`, `write`,
/// `accept4`, `epoll_wait`... as cancellation points: in a process with threads (Node always has
/// them) every such call goes through `__pthread_enable_asynccancel`/`__pthread_disable_asynccancel`
/// around the trap, 50–60 ns a call measured here. `syscall()` is a plain trap (nothing in this
/// crate uses thread cancellation), and keeps the `-1`-and-`errno` convention, so the result goes
/// through [`cvt`]/[`cvt_size`] like any libc call. Unused trailing arguments are passed as 0;
/// the kernel ignores them.
///
/// # Safety
/// The arguments must be what system call `number` expects (pointers valid for the lengths given,
/// for the whole call), as for the libc function of the same name.
#[inline]
pub(crate) unsafe fn raw_syscall(number: libc::c_long, args: [libc::c_long; 6]) -> libc::ssize_t {
    let [a, b, c, d, e, f] = args;
    // SAFETY: the caller vouches that the arguments suit `number`; extra arguments are ignored.
    unsafe { libc::syscall(number, a, b, c, d, e, f) as libc::ssize_t }
}
