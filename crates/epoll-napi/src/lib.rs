//! Node-API binding of epoll-napi. It converts JavaScript arguments that TypeScript has already
//! validated (checking again only what memory safety needs: fd range, view kinds, byte ranges), calls
//! the core crate and maps its errors into Node-style exceptions. The one piece of logic of its own
//! is the event-loop watcher (`epoll/watch`), which delivers readiness to JavaScript.
//!
//! The rooms mirror the core's and the TypeScript layer's: `epoll/`, `fd/`, `net/`, `daemon/`.
//! Beside them: `convert/` (the one conversion kit), `calls.rs` (the one table of hand-made calls,
//! with their TypeScript signatures), `errors/` (error mapping, the guard around napi-rs-generated
//! functions and the one would-block helper) and `constants.rs` (`constantTables()`).

#![deny(clippy::all)]

mod calls;
mod constants;
mod convert;
mod daemon;
mod epoll;
mod errors;
mod fd;
mod net;
mod uring;
