//! Safe Linux epoll over raw `libc` calls: the core of epoll-napi.
//!
//! Nothing in this crate knows about Node-API; the binding crate converts JavaScript values into the
//! types used here and maps [`Error`] into Node-style exceptions. Everything a user relies on is
//! implemented (and tested with `cargo test`) here.

mod busy_poll;
mod direct;
mod epoll;
mod error;
mod event_buffer;
mod fdinfo;
mod flags;
pub mod io;
mod nesting;
mod ownership;
mod readiness;
mod sys;
#[cfg(test)]
mod test_support;
mod timeout;

pub use busy_poll::{BusyPoll, BUSY_POLL_BUDGET_UNPRIVILEGED};
pub use direct::{consumes_readiness_on_poll, DirectWait, Waker};
pub use epoll::{Epoll, DEFAULT_EVENTS};
pub use error::{errno_name, Error, OsError, Result};
pub use event_buffer::{precise_timeouts, EventBuffer, MAX_EVENTS_PER_POLL};
pub use flags::*;
pub use nesting::ensure_watched_by;
pub use readiness::{Readiness, ReadinessWait};
pub use timeout::Timeout;
