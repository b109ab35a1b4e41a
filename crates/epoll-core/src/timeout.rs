//! Wait deadlines: a timeout in milliseconds, kept across EINTR retries.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// How long a wait may block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// Block until an event arrives.
    Forever,
    /// Return at once (`epoll_wait(..., 0)`).
    Immediate,
    /// Block at most this long.
    After(Duration),
}

impl Timeout {
    /// From JavaScript's milliseconds: `undefined`/`-1`/`Infinity` block forever, fractions round up.
    /// `None` for values that are not a timeout (NaN, other negatives).
    pub fn from_millis_f64(ms: f64) -> Option<Timeout> {
        if ms == -1.0 || ms == f64::INFINITY {
            Some(Timeout::Forever)
        } else if ms.is_nan() || ms < 0.0 {
            None
        } else if ms == 0.0 {
            Some(Timeout::Immediate)
        } else {
            // Whole nanoseconds are more than epoll's millisecond resolution needs; rounding up
            // happens when the remaining time is turned back into milliseconds.
            Some(Timeout::After(Duration::from_nanos(
                (ms * 1e6).ceil().min(u64::MAX as f64) as u64,
            )))
        }
    }

    pub(crate) fn deadline(self) -> Option<Instant> {
        match self {
            Timeout::After(d) => Instant::now().checked_add(d),
            _ => None,
        }
    }
}

/// The `timeout` argument of `epoll_wait` for what remains until `deadline`, rounded up to whole ms
/// (a wait must never end before its time) and capped at `i32::MAX` (the caller loops past that).
pub(crate) fn remaining_millis(timeout: Timeout, deadline: Option<Instant>) -> libc::c_int {
    match (timeout, deadline) {
        (Timeout::Immediate, _) => 0,
        (Timeout::Forever, _) | (Timeout::After(_), None) => -1,
        (Timeout::After(_), Some(deadline)) => {
            let left = deadline.saturating_duration_since(Instant::now());
            let ms = left.as_nanos().div_ceil(1_000_000);
            ms.min(i32::MAX as u128) as libc::c_int
        }
    }
}

/// Whether the deadline of a wait that returned no event is still ahead: then the kernel's
/// timeout was capped (`i32::MAX` ms) and the wait goes on. Never true for `Forever`/`Immediate`.
pub(crate) fn ended_early(timeout: Timeout, deadline: Option<Instant>) -> bool {
    matches!((timeout, deadline), (Timeout::After(_), Some(d)) if Instant::now() < d)
}

/// `epoll_pwait2`'s `struct __kernel_timespec`: 64-bit fields on every architecture, unlike
/// `libc::timespec` (32-bit `time_t` on armv7 glibc).
#[repr(C)]
struct KernelTimespec {
    tv_sec: i64,
    tv_nsec: i64,
}

const PWAIT2_UNKNOWN: u8 = 0;
const PWAIT2_PRESENT: u8 = 1;
const PWAIT2_MISSING: u8 = 2;

/// Whether the kernel has `epoll_pwait2` (Linux >= 5.11), learnt from the first timed wait.
static PWAIT2: AtomicU8 = AtomicU8::new(PWAIT2_UNKNOWN);

/// One wait for what remains until `deadline`: `epoll_pwait2` with a nanosecond timespec where the
/// kernel has it, else `epoll_wait` with whole milliseconds rounded up. Both end no earlier than
/// the deadline (the kernel's timer starts after `Instant::now()` is read here). Returns the raw
/// result (`-1` with errno set on failure).
///
/// # Safety
/// `events` must be valid for writes of `capacity` `epoll_event`s.
pub(crate) unsafe fn epoll_wait_until(
    epfd: libc::c_int,
    events: *mut libc::epoll_event,
    capacity: libc::c_int,
    timeout: Timeout,
    deadline: Option<Instant>,
) -> libc::c_int {
    if let (Timeout::After(_), Some(deadline)) = (timeout, deadline) {
        if PWAIT2.load(Ordering::Relaxed) != PWAIT2_MISSING {
            let left = deadline.saturating_duration_since(Instant::now());
            let ts = KernelTimespec {
                tv_sec: left.as_secs().min(i64::MAX as u64) as i64,
                tv_nsec: i64::from(left.subsec_nanos()),
            };
            // SAFETY: the caller vouches for `events`; `ts` lives across the call; a NULL sigmask
            // keeps the signal mask as it is (its size argument is then ignored).
            let ret = unsafe {
                libc::syscall(
                    libc::SYS_epoll_pwait2,
                    epfd as libc::c_long,
                    events,
                    capacity as libc::c_long,
                    &ts as *const KernelTimespec,
                    std::ptr::null::<libc::sigset_t>(),
                    8 as libc::c_long,
                )
            } as libc::c_int;
            let errno = std::io::Error::last_os_error().raw_os_error();
            // ENOSYS: a kernel before 5.11. EPERM: a seccomp filter that predates the call (old
            // container runtimes refuse unknown system calls that way).
            if ret == -1 && matches!(errno, Some(libc::ENOSYS | libc::EPERM)) {
                PWAIT2.store(PWAIT2_MISSING, Ordering::Relaxed);
            } else {
                PWAIT2.store(PWAIT2_PRESENT, Ordering::Relaxed);
                return ret;
            }
        }
    }
    let ms = remaining_millis(timeout, deadline);
    // SAFETY: the caller vouches for `events`.
    unsafe { libc::epoll_wait(epfd, events, capacity, ms) }
}

/// Whether timed waits have sub-millisecond precision here (`None` before the first timed wait).
pub fn precise_timeouts() -> Option<bool> {
    match PWAIT2.load(Ordering::Relaxed) {
        PWAIT2_PRESENT => Some(true),
        PWAIT2_MISSING => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javascript_timeouts_map_to_waits() {
        assert_eq!(Timeout::from_millis_f64(-1.0), Some(Timeout::Forever));
        assert_eq!(
            Timeout::from_millis_f64(f64::INFINITY),
            Some(Timeout::Forever)
        );
        assert_eq!(Timeout::from_millis_f64(0.0), Some(Timeout::Immediate));
        assert_eq!(Timeout::from_millis_f64(f64::NAN), None);
        assert_eq!(Timeout::from_millis_f64(-2.0), None);
        assert_eq!(
            Timeout::from_millis_f64(1.5),
            Some(Timeout::After(Duration::from_micros(1500)))
        );
    }

    #[test]
    fn remaining_time_rounds_up_to_whole_milliseconds() {
        let t = Timeout::After(Duration::from_micros(1500));
        let deadline = t.deadline();
        let ms = remaining_millis(t, deadline);
        assert!(ms == 2 || ms == 1, "{ms}");
        let passed = Timeout::After(Duration::from_millis(1));
        assert_eq!(remaining_millis(passed, Some(Instant::now())), 0);
    }

    #[test]
    fn a_timed_wait_on_an_idle_epoll_fd_lasts_at_least_its_timeout_and_not_a_millisecond_more() {
        // SAFETY: epoll_create1 takes no pointers; the fd is closed at the end.
        let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        assert!(epfd >= 0);
        let mut event = libc::epoll_event { events: 0, u64: 0 };
        let mut took = Vec::new();
        for _ in 0..9 {
            let timeout = Timeout::After(Duration::from_micros(100));
            let start = Instant::now();
            let deadline = timeout.deadline();
            // SAFETY: room for one event.
            let ret = unsafe { epoll_wait_until(epfd, &mut event, 1, timeout, deadline) };
            assert_eq!(ret, 0);
            assert!(!ended_early(timeout, deadline), "never earlier than asked");
            took.push(start.elapsed());
        }
        took.sort();
        assert_eq!(
            precise_timeouts(),
            Some(true),
            "this kernel has epoll_pwait2"
        );
        assert!(
            took[4] < Duration::from_micros(900),
            "median of 0.1 ms waits: {:?}",
            took[4]
        );

        // Where the kernel lacks it, the same wait is rounded up to a whole millisecond. (Other
        // tests waiting meanwhile get whole milliseconds too: slower, never wrong.)
        PWAIT2.store(PWAIT2_MISSING, Ordering::Relaxed);
        let timeout = Timeout::After(Duration::from_micros(100));
        let start = Instant::now();
        // SAFETY: room for one event.
        let ret = unsafe { epoll_wait_until(epfd, &mut event, 1, timeout, timeout.deadline()) };
        let fallback = start.elapsed();
        PWAIT2.store(PWAIT2_PRESENT, Ordering::Relaxed);
        assert_eq!(ret, 0);
        assert!(
            fallback >= Duration::from_millis(1),
            "rounded up: {fallback:?}"
        );
        // SAFETY: closes the fd created above.
        unsafe { libc::close(epfd) };
    }
}
