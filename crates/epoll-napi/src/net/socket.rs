//! The one socket module's binding: `socket`, `bind`, `connect`, `listen`, `acceptFd`, `acceptFrom`
//! and `acceptMany` (hand-made), `listenStream`, `connectStream`, `socketpair`, `shutdown`, and the two addresses of a socket.
//!
//! Addresses cross as raw `struct sockaddr` bytes only, both ways (`lib/net/address.ts` encodes and
//! decodes them): nothing here parses or formats one.

use epoll_core::net::{self, Shutdown};
use napi::bindgen_prelude::{Uint8Array, Unknown};
use napi::{Env, JsValue, Result};
use napi_derive::napi;

use super::address;
use crate::convert::{self, apart, Span, Value};
use crate::errors::{self, invalid_value, or_would_block, Outcome};

/// `socket(2)`: any family, type and protocol; returns the fd.
#[napi(
    catch_unwind,
    ts_args_type = "family: number, type: number, protocol: number"
)]
pub fn socket(env: Env, family: f64, kind: f64, protocol: f64) -> Result<i32> {
    let family = convert::int32(&env, "family", family)?;
    let kind = convert::int32(&env, "type", kind)?;
    let protocol = convert::int32(&env, "protocol", protocol)?;
    net::socket(family, kind, protocol)
        .map(Outcome::into_js)
        .map_err(|e| errors::os(&env, e))
}

#[napi(catch_unwind, ts_args_type = "fd: number, address: Uint8Array")]
pub fn bind(env: Env, fd: f64, address: Unknown<'_>) -> Result<()> {
    let fd = convert::fd(&env, "fd", fd)?;
    let to = self::address(&env, address.raw(), "bind")?;
    net::bind(fd, &to).map_err(|e| errors::os(&env, e))
}

/// Non-blocking connect: true when connected at once, false when in progress.
#[napi(catch_unwind, ts_args_type = "fd: number, address: Uint8Array")]
pub fn connect(env: Env, fd: f64, address: Unknown<'_>) -> Result<bool> {
    let fd = convert::fd(&env, "fd", fd)?;
    let to = self::address(&env, address.raw(), "connect")?;
    net::connect(fd, &to).map_err(|e| errors::os(&env, e))
}

#[napi(catch_unwind)]
pub fn listen(env: Env, fd: f64, backlog: f64) -> Result<()> {
    let fd = convert::fd(&env, "fd", fd)?;
    let backlog = convert::integer_in(&env, "backlog", backlog, 0.0, f64::from(i32::MAX))? as i32;
    net::listen(fd, backlog).map_err(|e| errors::os(&env, e))
}

/// A listening stream socket (TCP or unix) bound to `address`; returns its fd.
#[napi(
    catch_unwind,
    ts_args_type = "address: Uint8Array, backlog: number, reusePort: boolean"
)]
pub fn listen_stream(
    env: Env,
    address: Unknown<'_>,
    backlog: f64,
    reuse_port: bool,
) -> Result<i32> {
    let addr = self::address(&env, address.raw(), "bind")?;
    let backlog = convert::int32(&env, "backlog", backlog)?;
    net::listen_stream(&addr, backlog, reuse_port)
        .map(Outcome::into_js)
        .map_err(|e| errors::os(&env, e))
}

/// Starts a non-blocking connect of a new stream socket; returns the fd (writable once connected
/// or failed).
#[napi(catch_unwind, ts_args_type = "address: Uint8Array")]
pub fn connect_stream(env: Env, address: Unknown<'_>) -> Result<i32> {
    let addr = self::address(&env, address.raw(), "connect")?;
    net::connect_stream(&addr)
        .map(Outcome::into_js)
        .map_err(|e| errors::os(&env, e))
}

/// `acceptFd(fd)`: a connection's fd, or -1 when none is pending.
pub fn accept(env: &Env, [listener]: [Value; 1]) -> Result<i32> {
    let fd = convert::fd_arg(env, listener)?;
    or_would_block(
        env,
        net::accept(fd).map_err(|e| e.with_detail(format!("fd {fd}"))),
    )
}

/// `acceptFrom(fd, name, meta)`: [`accept`] with the peer's raw `struct sockaddr` written into
/// `name` by the same `accept4`, and its length into `meta[0]`; -1 when none is pending.
pub fn accept_from(env: &Env, [listener, name, meta]: [Value; 3]) -> Result<i32> {
    let fd = convert::fd_arg(env, listener)?;
    let name = convert::bytes(env, "name", name)?;
    let meta = convert::typed::<i32>(env, "meta", meta)?;
    if meta.is_empty() {
        return Err(errors::out_of_range(env, "meta.length", ">= 1", 0));
    }
    apart(env, &[Span::of("name", name), Span::of("meta", meta)])?;
    let accepted = net::accept_from(fd, name).map_err(|e| e.with_detail(format!("fd {fd}")));
    let accepted = accepted.map(|got| {
        got.map(|(conn, length)| {
            meta[0] = length as i32;
            conn
        })
    });
    or_would_block(env, accepted)
}

/// `acceptMany(fd, fds, names, meta)`: every connection queued on `fd`, up to the room, in one
/// call: connection `i`'s fd into `fds[i]`, its peer's raw `struct sockaddr` into the 128-byte slot
/// `names[i * 128..]` and that address's length into `meta[1 + i]`; the count, or -1 when none is
/// pending. `meta[0]` carries a failure met after some accepts (its errno) to the next call, which
/// throws it first: pass the same `meta` every time.
pub fn accept_many(env: &Env, [listener, fds, names, meta]: [Value; 4]) -> Result<i32> {
    let fd = convert::fd_arg(env, listener)?;
    let fds = convert::typed::<i32>(env, "fds", fds)?;
    let names = convert::bytes(env, "names", names)?;
    let meta = convert::typed::<i32>(env, "meta", meta)?;
    apart(
        env,
        &[
            Span::of("fds", fds),
            Span::of("names", names),
            Span::of("meta", meta),
        ],
    )?;
    let Some((deferred, lengths)) = meta.split_first_mut() else {
        return Err(errors::out_of_range(env, "meta.length", ">= 1", 0));
    };
    if *deferred != 0 && epoll_core::errno_name(*deferred).is_none() {
        let reason = "must hold 0 or the errno a previous call left there";
        return Err(invalid_value(
            env,
            "meta[0]",
            reason,
            Some(&deferred.to_string()),
        ));
    }
    let accepted = net::accept_many(fd, fds, names, lengths, deferred)
        .map_err(|e| e.with_detail(format!("fd {fd}")));
    or_would_block(env, accepted)
}

/// Two connected unix sockets of type `kind` (`SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_SEQPACKET`).
#[napi(
    catch_unwind,
    ts_args_type = "type: number",
    ts_return_type = "[number, number]"
)]
pub fn socketpair(env: Env, kind: f64) -> Result<Vec<i32>> {
    let kind = convert::int32(&env, "type", kind)?;
    let (a, b) = net::socketpair(kind).map_err(|e| errors::os(&env, e))?;
    Ok(vec![a.into_js(), b.into_js()])
}

#[napi(
    catch_unwind,
    ts_args_type = "fd: number, how: 'read' | 'write' | 'both'"
)]
pub fn shutdown(env: Env, fd: f64, how: Unknown<'_>) -> Result<()> {
    let fd = convert::fd(&env, "fd", fd)?;
    let how = convert::string(&env, "how", how.raw())?;
    let how = match how.as_str() {
        "read" => Shutdown::Read,
        "write" => Shutdown::Write,
        "both" => Shutdown::Both,
        _ => {
            let reason = "must be 'read', 'write' or 'both'";
            return Err(invalid_value(&env, "how", reason, Some(&how)));
        }
    };
    net::shutdown(fd, how).map_err(|e| errors::os(&env, e))
}

/// The address `fd` is bound to, as raw `struct sockaddr` bytes (an unnamed unix socket: the two
/// family bytes).
#[napi(catch_unwind)]
pub fn local_address(env: Env, fd: f64) -> Result<Uint8Array> {
    let fd = convert::fd(&env, "fd", fd)?;
    let addr = net::local_address(fd).map_err(|e| errors::os(&env, e))?;
    Ok(Uint8Array::new(addr.as_bytes().to_vec()))
}

/// The address of `fd`'s peer, as raw `struct sockaddr` bytes; ENOTCONN when not connected.
#[napi(catch_unwind)]
pub fn remote_address(env: Env, fd: f64) -> Result<Uint8Array> {
    let fd = convert::fd(&env, "fd", fd)?;
    let addr = net::remote_address(fd).map_err(|e| errors::os(&env, e))?;
    Ok(Uint8Array::new(addr.as_bytes().to_vec()))
}
