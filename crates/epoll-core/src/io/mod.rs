//! Server I/O on raw fds: sockets, reads and writes into caller memory, pipes, eventfd, timerfd.
//!
//! Every fd created here is non-blocking and close-on-exec, and is returned as an [`OwnedFd`]
//! (`std::os::fd::OwnedFd`); the binding hands its number to JavaScript, which owns it from then on.
//! Would-block is `Ok(None)`, never an error: it is the normal outcome of a non-blocking call.
//! EINTR is retried everywhere, so a signal never surfaces as an error.

mod batch;
mod eventfd;
mod fdio;
mod net;
mod sockaddr;
mod timerfd;

pub use batch::{read_slots, write_many, write_slots, NOT_READ};
pub use eventfd::eventfd;
pub use fdio::{close, pipe, read, readv, write, writev, IOV_MAX};
pub use net::{
    accept, connect_tcp, connect_unix, listen_tcp, listen_unix, local_address, remote_address,
    set_no_delay, shutdown, socket_error, socketpair, Shutdown, DEFAULT_BACKLOG,
};
pub use sockaddr::SocketAddress;
pub use timerfd::{set_timer, timerfd};

use crate::error::OsError;

/// An `io::Error` from `mio` or `std` as the core's error, keeping its errno.
pub(crate) fn from_io(e: std::io::Error, syscall: &'static str) -> OsError {
    OsError::new(e.raw_os_error().unwrap_or(libc::EIO), syscall)
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
