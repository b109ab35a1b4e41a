//! The epoll instance and everything that waits on one: its event buffer, timeouts, the watcher
//! thread's waits (readiness and direct), nesting in the event loop's epoll set, busy polling, and
//! what `/proc` says about an epoll fd.

mod busy_poll;
mod direct;
mod event_buffer;
mod fdinfo;
mod flags;
mod instance;
mod nesting;
mod ownership;
mod readiness;
#[cfg(test)]
mod test_support;
mod timeout;

pub use busy_poll::{BusyPoll, BUSY_POLL_BUDGET_UNPRIVILEGED};
pub use direct::{consumes_readiness_on_poll, DirectWait, Waker};
pub use event_buffer::{precise_timeouts, EventBuffer, DEFAULT_MAX_EVENTS, MAX_EVENTS_PER_POLL};
pub use flags::*;
pub use instance::{Epoll, DEFAULT_EVENTS};
pub use nesting::ensure_watched_by;
pub use readiness::{Readiness, ReadinessWait};
pub use timeout::Timeout;
