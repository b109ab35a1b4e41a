//! The net room of the binding: the one socket module (`socket.rs`), datagrams (`datagram.rs`),
//! batches of messages (`messages.rs`) and socket options (`options.rs`). Addresses cross as raw
//! `struct sockaddr` bytes only: [`address`] is the one way in.

mod datagram;
mod messages;
mod options;
mod socket;

pub use datagram::{recv_from, send_to};
pub use socket::{accept, accept_from, accept_many};

use epoll_core::net::SockAddr;
use napi::Env;

use crate::convert::{self, Value};
use crate::errors;

/// The raw `struct sockaddr` bytes of an `ArrayBufferView` (2 to 128 of them, else EINVAL reported
/// as `syscall`, the call it was meant for).
fn address(env: &Env, value: Value, syscall: &'static str) -> napi::Result<SockAddr> {
    let bytes = convert::bytes(env, "address", value)?;
    SockAddr::from_bytes(bytes, syscall).map_err(|e| errors::os(env, e))
}
