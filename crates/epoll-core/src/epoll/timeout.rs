//! Wait deadlines: a timeout in milliseconds, kept across EINTR retries.

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
}
