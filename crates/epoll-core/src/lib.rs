//! Safe Linux epoll over raw `libc` calls: the core of epoll-napi.
//!
//! Nothing in this crate knows about Node-API; the binding crate converts JavaScript values into the
//! types used here and maps [`Error`] into Node-style exceptions. Everything a user relies on is
//! implemented (and tested with `cargo test`) here, in four rooms that the binding and the
//! TypeScript layer mirror:
//! - [`epoll`]: the instance, its event buffer and every way of waiting on it (re-exported here);
//! - [`fd`]: reads and writes on any fd, pipes, eventfd, timerfd, and batches of them;
//! - [`net`]: sockets of every family, the one address type, datagrams, messages, options;
//! - [`daemon`]: fd passing, inotify, ioctl, pidfd, systemd.
//!
//! Each constant family has one table at its source ([`FLAGS`], [`net::SOCKET_CONSTANTS`],
//! [`daemon::INOTIFY_FLAGS`], [`daemon::IOCTL_CONSTANTS`], [`ERRNO_NAMES`], [`LIMITS`]); the binding exports them as
//! `constantTables()`, and one spec checks every TypeScript copy against them.

pub mod daemon;
pub mod epoll;
mod errno;
mod error;
pub mod fd;
#[cfg(test)]
mod fuzz;
pub mod net;
mod sys;
pub mod uring;

pub use epoll::*;
pub use errno::{errno_name, ERRNO_NAMES};
pub use error::{Error, OsError, Result};

/// What a non-blocking call returns across the JavaScript boundary when it would block (the core
/// says `Ok(None)`): -1, never a count or an fd.
pub const WOULD_BLOCK: i32 = -1;

/// The package's limits and defaults by their TypeScript names, each defined once beside the code
/// it bounds. The binding exports this table as `constantTables().limits`; the TypeScript copies
/// (which must load where the binding does not) are checked against every entry by one spec.
/// Numbers, as JavaScript sees them: `MAX_TIMER_MS` does not fit an integer type.
pub const LIMITS: [(&str, f64); 17] = [
    ("DEFAULT_EVENTS", DEFAULT_EVENTS as f64),
    ("MAX_EVENTS_PER_POLL", MAX_EVENTS_PER_POLL as f64),
    ("DEFAULT_MAX_EVENTS", DEFAULT_MAX_EVENTS as f64),
    (
        "BUSY_POLL_BUDGET_UNPRIVILEGED",
        BUSY_POLL_BUDGET_UNPRIVILEGED as f64,
    ),
    ("DEFAULT_BACKLOG", net::DEFAULT_BACKLOG as f64),
    ("IOV_MAX", fd::IOV_MAX as f64),
    ("MAX_TIMER_MS", fd::MAX_TIMER_MS),
    ("NOT_READ", fd::NOT_READ as f64),
    ("WOULD_BLOCK", WOULD_BLOCK as f64),
    ("MAX_MESSAGES", net::MAX_MESSAGES as f64),
    ("META_STRIDE", net::META_STRIDE as f64),
    ("ADDRESS_SLOT_SIZE", net::ADDRESS_SLOT_SIZE as f64),
    ("SCM_MAX_FD", daemon::SCM_MAX_FD as f64),
    (
        "STREAM_STOP_WOULD_BLOCK",
        fd::Stop::WouldBlock as i32 as f64,
    ),
    ("STREAM_STOP_BUDGET", fd::Stop::Budget as i32 as f64),
    ("STREAM_STOP_EOF", fd::Stop::Eof as i32 as f64),
    ("STREAM_STOP_ERROR_NEXT", fd::Stop::ErrorNext as i32 as f64),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table, by its name in `constantTables()`, as `(name, value)` pairs.
    fn tables() -> Vec<(&'static str, Vec<(&'static str, f64)>)> {
        let pairs = |t: &[(&'static str, f64)]| t.to_vec();
        vec![
            (
                "epoll",
                FLAGS.iter().map(|(n, v)| (*n, f64::from(*v))).collect(),
            ),
            (
                "socket",
                net::SOCKET_CONSTANTS
                    .iter()
                    .map(|(n, v)| (*n, f64::from(*v)))
                    .collect(),
            ),
            (
                "inotify",
                daemon::INOTIFY_FLAGS
                    .iter()
                    .map(|(n, v)| (*n, f64::from(*v)))
                    .collect(),
            ),
            (
                "ioctl",
                daemon::IOCTL_CONSTANTS
                    .iter()
                    .map(|(n, v)| (*n, f64::from(*v)))
                    .collect(),
            ),
            (
                "errno",
                ERRNO_NAMES
                    .iter()
                    .map(|(n, v)| (*n, f64::from(*v)))
                    .collect(),
            ),
            ("limits", pairs(&LIMITS)),
        ]
    }

    #[test]
    fn no_name_appears_twice_in_any_table_or_across_tables() {
        let mut names: Vec<&str> = tables()
            .into_iter()
            .flat_map(|(_, t)| t.into_iter().map(|(n, _)| n))
            .collect();
        let all = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all, "one name per value");
    }

    #[test]
    fn the_limits_are_the_values_the_typescript_layer_documents() {
        let limits: std::collections::HashMap<_, _> = LIMITS.into_iter().collect();
        assert_eq!(limits["DEFAULT_MAX_EVENTS"], 1024.0);
        assert_eq!(limits["DEFAULT_BACKLOG"], 511.0);
        assert_eq!(limits["ADDRESS_SLOT_SIZE"], 128.0);
        assert_eq!(limits["SCM_MAX_FD"], 253.0);
        assert_eq!(limits["WOULD_BLOCK"], -1.0);
        assert_eq!(limits["NOT_READ"], -1.0);
        assert_eq!(limits["MAX_TIMER_MS"], 2f64.powi(63) * 1000.0);
        assert_eq!(
            limits["DEFAULT_EVENTS"],
            f64::from(EPOLLIN | EPOLLPRI | EPOLLOUT)
        );
    }
}
