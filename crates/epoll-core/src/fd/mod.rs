//! Reads and writes on any fd into caller memory, pipes, eventfd, timerfd, batches of them, and the
//! read turns of streams (`burst.rs`).
//!
//! Every fd created here is non-blocking (unless a pipe asks otherwise: [`pipe_with`]) and
//! close-on-exec, and is returned as an [`OwnedFd`] (`std::os::fd::OwnedFd`); the binding hands its
//! number to JavaScript, which owns it from then on. [`set_blocking`] changes the mode of any fd.
//! Would-block is `Ok(None)`, never an error: it is the normal outcome of a non-blocking call.
//! EINTR is retried everywhere, so a signal never surfaces as an error.

mod batch;
mod blocking;
mod burst;
mod eventfd;
mod io;
mod timerfd;

pub use batch::{read_slots, write_many, write_slots, NOT_READ};
pub use blocking::{get_blocking, set_blocking};
pub use burst::{read_burst, read_messages, Stop, Turn};
pub use eventfd::eventfd;
pub use io::{close, pipe, pipe_with, read, readv, write, writev, IOV_MAX};
pub use timerfd::{set_timer, timerfd, MAX_TIMER_MS};
