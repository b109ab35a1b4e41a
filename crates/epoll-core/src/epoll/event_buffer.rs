//! The kernel-side buffer of `epoll_wait` and the one place that calls it: `epoll_pwait2` with a
//! nanosecond timeout where the kernel has it, `epoll_wait` in whole milliseconds where it does not.

use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

use crate::epoll::timeout::{ended_early, remaining_millis, Timeout};
use crate::error::Result;
use crate::sys::{cvt, raw_syscall};

/// Kernel buffers for one `epoll_wait` are at most this many events, whatever the caller asks for:
/// a `maxEvents` of two billion must not allocate 24 GB. More ready fds simply take more calls.
pub const MAX_EVENTS_PER_POLL: usize = 65_536;

/// How many events a poll asks for when its caller names no number (the TypeScript `poll()`'s
/// `maxEvents`): as many as a server usually has ready at once, in a 12 KiB kernel buffer.
pub const DEFAULT_MAX_EVENTS: usize = 1024;

/// Event data of the core's own registrations (a direct watcher's wake-up eventfd): above every fd
/// number, and never reported to a caller.
pub(crate) const INTERNAL_EVENT: u64 = 1 << 32;

/// The kernel-side buffer of `epoll_wait` and the one place that calls it.
#[derive(Debug, Default)]
pub struct EventBuffer {
    events: Vec<libc::epoll_event>,
}

impl EventBuffer {
    /// Waits on `epfd` for at most `capacity` events (clamped to `1..=MAX_EVENTS_PER_POLL`); EINTR
    /// waits again for the time that remains. Returns how many events are now in the buffer.
    pub fn wait(
        &mut self,
        epfd: BorrowedFd<'_>,
        capacity: usize,
        timeout: Timeout,
    ) -> Result<usize> {
        let capacity = capacity.clamp(1, MAX_EVENTS_PER_POLL);
        if self.events.len() < capacity {
            self.events
                .resize(capacity, libc::epoll_event { events: 0, u64: 0 });
        }
        let deadline = timeout.deadline();
        loop {
            // SAFETY: `self.events` holds at least `capacity` initialised entries, and the kernel
            // writes at most `capacity` of them.
            let ret = unsafe {
                epoll_wait_until(
                    epfd.as_raw_fd(),
                    self.events.as_mut_ptr(),
                    capacity as libc::c_int,
                    timeout,
                    deadline,
                )
            };
            match cvt(ret, "epoll_wait") {
                Ok(0) if ended_early(timeout, deadline) => continue,
                Ok(n) => return Ok(n as usize),
                Err(e) if e.errno == libc::EINTR => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// `wait` for as many events as `out` has pairs, written as `out[2i] = fd, out[2i+1] = events`.
    /// The core's own registrations (a direct watcher's wake-up) are never written: a wait that
    /// found only those waits again for the time that remains.
    pub fn wait_into(
        &mut self,
        epfd: BorrowedFd<'_>,
        out: &mut [u32],
        timeout: Timeout,
    ) -> Result<usize> {
        let capacity = out.len() / 2;
        if capacity == 0 {
            return Ok(0);
        }
        let deadline = timeout.deadline();
        let mut left = timeout;
        loop {
            let n = self.wait(epfd, capacity, left)?;
            let (written, internal) = self.copy_pairs(n, out);
            if written > 0 || !internal {
                return Ok(written);
            }
            left = match (timeout, deadline) {
                (Timeout::Immediate, _) => return Ok(0),
                (Timeout::After(_), Some(deadline)) => {
                    match deadline.checked_duration_since(Instant::now()) {
                        Some(rest) if !rest.is_zero() => Timeout::After(rest),
                        _ => return Ok(0),
                    }
                }
                (other, _) => other,
            };
        }
    }

    /// Writes the first `n` events of the last wait into `out` as pairs, leaving out the core's own
    /// registrations. Returns how many pairs were written and whether one of the core's own was seen.
    pub(crate) fn copy_pairs(&self, n: usize, out: &mut [u32]) -> (usize, bool) {
        let mut written = 0;
        for event in &self.events[..n] {
            if event.u64 & INTERNAL_EVENT != 0 {
                continue;
            }
            out[2 * written] = event.u64 as u32;
            out[2 * written + 1] = event.events;
            written += 1;
        }
        (written, written < n)
    }

    /// The first `n` events of the last wait, as `(fd, events)`, without the core's own.
    pub fn ready(&self, n: usize) -> impl Iterator<Item = (RawFd, u32)> + '_ {
        self.events[..n]
            .iter()
            .filter(|e| e.u64 & INTERNAL_EVENT == 0)
            .map(|e| (e.u64 as u32 as RawFd, e.events))
    }
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
            let args = [
                epfd as libc::c_long,
                events as libc::c_long,
                capacity as libc::c_long,
                &ts as *const KernelTimespec as libc::c_long,
                0,
                8,
            ];
            // SAFETY: epoll_pwait2(epfd, events, capacity, &ts, NULL, 8): the caller vouches for
            // `events`; `ts` lives across the call; a NULL sigmask keeps the signal mask as it is
            // (its size argument is then ignored).
            let ret = unsafe { raw_syscall(libc::SYS_epoll_pwait2, args) } as libc::c_int;
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
    // epoll_pwait with a NULL mask is epoll_wait (the only form aarch64 and riscv64 have), made
    // through `syscall()` so that glibc's cancellation wrapper is not paid on every wait.
    let args = [
        epfd as libc::c_long,
        events as libc::c_long,
        capacity as libc::c_long,
        ms as libc::c_long,
        0,
        8,
    ];
    // SAFETY: epoll_pwait(epfd, events, capacity, ms, NULL, 8): the caller vouches for `events`; a
    // NULL sigmask keeps the signal mask as it is.
    unsafe { raw_syscall(libc::SYS_epoll_pwait, args) as libc::c_int }
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
    use std::time::Duration;

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
