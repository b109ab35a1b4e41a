//! `timerfd_create(2)`: a monotonic timer that epoll sees as readable when it has expired.

use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use crate::error::OsError;
use crate::sys::cvt;

/// A non-blocking, close-on-exec timer on `CLOCK_MONOTONIC`, armed to expire after `initial`, then
/// every `interval` (zero: once). Reading it (8 bytes, native endianness) returns the number of
/// expirations since the last read.
pub fn timerfd(initial: Duration, interval: Duration) -> Result<OwnedFd, OsError> {
    let flags = libc::TFD_NONBLOCK | libc::TFD_CLOEXEC;
    // SAFETY: timerfd_create takes no pointers.
    let fd = cvt(
        unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, flags) },
        "timerfd_create",
    )?;
    // SAFETY: timerfd_create just returned this fd; nothing else owns it.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    set_timer(
        std::os::fd::AsRawFd::as_raw_fd(&fd),
        Some((initial, interval)),
    )?;
    Ok(fd)
}

/// The exclusive upper bound of a timer, in milliseconds: `2**63` seconds, one more than a 64-bit
/// `time_t` (a `timespec`'s `tv_sec`) holds. Longer durations are refused by the binding; where
/// `time_t` is narrower (32-bit targets), [`set_timer`] clamps to its maximum instead.
pub const MAX_TIMER_MS: f64 = (i64::MAX as f64 + 1.0) * 1000.0;

/// Re-arms a timerfd (`Some((initial, interval))`) or disarms it (`None`). A zero `initial` expires
/// at once (the kernel would read zero as "disarm", which is what `None` is for).
pub fn set_timer(fd: RawFd, timer: Option<(Duration, Duration)>) -> Result<(), OsError> {
    // `libc::time_t` is deprecated on musl targets only (a notice that it becomes 64-bit there); its
    // own MAX keeps the clamp right at either width (32 bits on 32-bit ARM glibc).
    #[allow(deprecated)]
    let spec = |d: Duration| libc::timespec {
        tv_sec: d.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    };
    let (initial, interval) = match timer {
        Some((initial, interval)) => (initial.max(Duration::from_nanos(1)), interval),
        None => (Duration::ZERO, Duration::ZERO),
    };
    let new = libc::itimerspec {
        it_value: spec(initial),
        it_interval: spec(interval),
    };
    cvt(
        // SAFETY: `new` is a valid itimerspec; the old value is not asked for (null).
        unsafe { libc::timerfd_settime(fd, 0, &new, std::ptr::null_mut()) },
        "timerfd_settime",
    )
    .map_err(|e| e.with_detail(format!("fd {fd}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::read;
    use std::os::fd::AsRawFd;

    fn expirations(fd: &OwnedFd) -> Option<u64> {
        let mut buf = [0u8; 8];
        read(fd.as_raw_fd(), &mut buf)
            .unwrap()
            .map(|_| u64::from_ne_bytes(buf))
    }

    #[test]
    fn a_periodic_timer_counts_its_expirations() {
        let fd = timerfd(Duration::from_millis(5), Duration::from_millis(5)).unwrap();
        assert_eq!(expirations(&fd), None, "not expired yet");
        std::thread::sleep(Duration::from_millis(30));
        let n = expirations(&fd).unwrap();
        assert!(n >= 3, "{n} expirations in 30 ms of a 5 ms timer");
    }

    #[test]
    fn a_zero_initial_delay_fires_at_once_and_none_disarms() {
        let fd = timerfd(Duration::ZERO, Duration::ZERO).unwrap();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(expirations(&fd), Some(1));
        set_timer(
            fd.as_raw_fd(),
            Some((Duration::from_millis(1), Duration::ZERO)),
        )
        .unwrap();
        set_timer(fd.as_raw_fd(), None).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(expirations(&fd), None, "a disarmed timer never expires");
    }
}
