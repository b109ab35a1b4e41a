//! The epoll room of the binding: the `NativeEpoll` class (`native.rs`), the hand-made `pollInto`
//! (`poll.rs`), the cheap way from a JavaScript instance to its struct (`instances.rs`), and the
//! event-loop watcher that delivers readiness to JavaScript (`watch/`).

mod instances;
mod native;
mod poll;
mod watch;

pub use instances::instance_of;
pub use native::NativeEpoll;
pub use poll::poll_into;
