//! Safe Linux epoll over raw `libc` calls: the core of epoll-napi.
//!
//! Nothing in this crate knows about Node-API; the binding crate converts JavaScript values into the
//! types used here and maps [`Error`] into Node-style exceptions. Everything a user relies on is
//! implemented (and tested with `cargo test`) here.

pub mod daemon;
pub mod epoll;
mod error;
pub mod fd;
pub mod net;
mod sys;

pub use epoll::*;
pub use error::{errno_name, Error, OsError, Result};

/// The binding's old flat path: everything of `fd`, `net` and `daemon` (removed once the binding
/// mirrors the folders).
pub mod io {
    pub use crate::daemon::*;
    pub use crate::fd::*;
    pub use crate::net::*;
}
