//! Datagrams one at a time: `listenUdp`, and `recvFrom`/`sendTo` as hand-made calls (a
//! single-datagram server makes two of them per datagram, and napi-rs's generated wrappers would
//! cost about as much as the system call).

use epoll_core::net;
use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue, Result};
use napi_derive::napi;

use super::address;
use crate::convert::{self, apart, Span, Value};
use crate::errors::{self, or_would_block, out_of_range, Outcome};

/// A bound datagram socket (UDP for an IPv4 or IPv6 address); `ipv6Only` is -1 (the system
/// default), 0 or 1.
#[napi(
    catch_unwind,
    ts_args_type = "address: Uint8Array, reusePort: boolean, ipv6Only: number"
)]
pub fn listen_udp(env: Env, address: Unknown<'_>, reuse_port: bool, ipv6_only: f64) -> Result<i32> {
    let addr = self::address(&env, address.raw(), "bind")?;
    let only = convert::integer_in(&env, "ipv6Only", ipv6_only, -1.0, 1.0)?;
    let only = (only >= 0.0).then_some(only == 1.0);
    net::listen_udp(&addr, reuse_port, only)
        .map(Outcome::into_js)
        .map_err(|e| errors::os(&env, e))
}

/// `recvFrom(fd, buffer, offset, length, name, meta)`: one datagram into the range, the sender's raw
/// `struct sockaddr` into `name`, `[flags, name length]` into `meta` (an `Int32Array` of 2 or more);
/// returns the bytes received, or -1 when nothing is queued. No object is made.
pub fn recv_from(env: &Env, [fd, buffer, offset, length, name, meta]: [Value; 6]) -> Result<i32> {
    let fd = convert::fd_arg(env, fd)?;
    let offset = convert::number(env, "offset", offset)?;
    let length = convert::number(env, "length", length)?;
    let buf = convert::byte_range(env, convert::view(env, "buffer", buffer)?, offset, length)?;
    let name = convert::bytes(env, "name", name)?;
    let meta = convert::typed::<i32>(env, "meta", meta)?;
    if meta.len() < 2 {
        return Err(out_of_range(env, "meta.length", ">= 2", meta.len()));
    }
    apart(
        env,
        &[
            Span::of("buffer", buf),
            Span::of("name", name),
            Span::of("meta", meta),
        ],
    )?;
    let received = net::recv_from(fd, buf, name).map(|got| {
        got.map(|got| {
            meta[0] = got.flags;
            meta[1] = got.name_length as i32;
            got.bytes
        })
    });
    or_would_block(env, received)
}

/// `sendTo(fd, buffer, offset, length, address)`: one datagram to a raw `struct sockaddr` (2 to 128
/// bytes), or to the connected peer when `address` is null; bytes sent, or -1 when the send buffer
/// is full.
pub fn send_to(env: &Env, [fd, buffer, offset, length, to]: [Value; 5]) -> Result<i32> {
    let fd = convert::fd_arg(env, fd)?;
    let offset = convert::number(env, "offset", offset)?;
    let length = convert::number(env, "length", length)?;
    let buf = convert::byte_range(env, convert::view(env, "buffer", buffer)?, offset, length)?;
    let to = if convert::is_nullish(env, to) {
        None
    } else {
        Some(address(env, to, "sendto")?)
    };
    or_would_block(env, net::send_to(fd, buf, to.as_ref()))
}
