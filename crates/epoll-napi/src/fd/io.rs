//! The native half of the server I/O helpers (`lib/io.ts`): argument conversion and error mapping
//! around `epoll_core::io`. JavaScript owns every fd returned here (as a plain number).
//!
//! `lib/io.ts` has validated every argument already (`lib/validate.ts`): what arrives here is typed
//! (`u32`, `i32`, `bool`, `String`) and only converted. What memory safety needs is checked again
//! (`args`: fd range, view kinds, byte ranges), with short messages.
//!
//! `read`, `write` and `accept` are the hot path: no allocation, and would-block is the return
//! value `-1`, never an exception.

use std::io::{IoSlice, IoSliceMut};
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{IntoRawFd, OwnedFd};
use std::path::Path;

use epoll_core::io::{self, SocketAddress as CoreAddress};
use epoll_core::OsError;
use napi::bindgen_prelude::{Array, JsObjectValue, Unknown};
use napi::{Env, JsValue, Result};
use napi_derive::napi;

use crate::{args, errors};

/// What `read`/`write`/`accept` return when the fd is not ready.
pub(crate) const WOULD_BLOCK: f64 = -1.0;

pub(crate) fn os(env: &Env, e: OsError) -> napi::Error {
    errors::throw(env, e.into())
}

fn give(fd: OwnedFd) -> i32 {
    fd.into_raw_fd()
}

/// `host` is an IP literal without brackets and `port` at most 65535 (checked in TypeScript); anything
/// else is refused, never truncated.
fn ip(env: &Env, host: &str, port: u32) -> Result<SocketAddr> {
    let port = u16::try_from(port)
        .map_err(|_| errors::out_of_range(env, &format!("port out of range: {port}")))?;
    let addr = host
        .parse::<IpAddr>()
        .map_err(|_| errors::invalid_value(env, &format!("host is no IP literal: {host}")))?;
    Ok(SocketAddr::new(addr, port))
}

/// A listening TCP socket; returns its fd.
#[napi(catch_unwind)]
pub fn listen_tcp(
    env: Env,
    port: u32,
    host: String,
    backlog: i32,
    reuse_port: bool,
) -> Result<i32> {
    let addr = ip(&env, &host, port)?;
    io::listen_tcp(addr, backlog, reuse_port)
        .map(give)
        .map_err(|e| os(&env, e))
}

/// A listening unix stream socket; returns its fd.
#[napi(catch_unwind)]
pub fn listen_unix(env: Env, path: String, backlog: i32) -> Result<i32> {
    io::listen_unix(Path::new(&path), backlog)
        .map(give)
        .map_err(|e| os(&env, e))
}

/// Starts a non-blocking TCP connect; returns the fd (writable once connected or failed).
#[napi(catch_unwind)]
pub fn connect_tcp(env: Env, port: u32, host: String) -> Result<i32> {
    let addr = ip(&env, &host, port)?;
    io::connect_tcp(addr).map(give).map_err(|e| os(&env, e))
}

/// Connects a unix stream socket; returns the fd.
#[napi(catch_unwind)]
pub fn connect_unix(env: Env, path: String) -> Result<i32> {
    io::connect_unix(Path::new(&path))
        .map(give)
        .map_err(|e| os(&env, e))
}

// `read`, `write` and `accept` are in `fast.rs`: plain Node-API callbacks, since they run once per event.

/// The views of a JavaScript array of `ArrayBufferView`s, at most `IOV_MAX` of them (checked here
/// too: it bounds what this call allocates).
fn views<'a>(env: &Env, buffers: &Array<'a>) -> Result<Vec<&'a mut [u8]>> {
    let count = buffers.len() as usize;
    if count > io::IOV_MAX {
        return Err(errors::out_of_range(
            env,
            &format!("buffers.length out of range: {count}"),
        ));
    }
    // Every element first, every pointer after: `get_element` can run JavaScript (a getter, a
    // proxy trap) that detaches or frees an element whose pointer was already taken. Taking the
    // pointers runs no JavaScript, so none of them can go stale before the system call.
    let mut items: Vec<Unknown<'a>> = Vec::with_capacity(count);
    for i in 0..count {
        items.push(buffers.get_element(i as u32)?);
    }
    let mut out = Vec::with_capacity(count);
    for (i, item) in items.into_iter().enumerate() {
        out.push(args::bytes(env, &format!("buffers[{i}]"), item)?);
    }
    Ok(out)
}

/// A `readv` into no bytes at all would return 0, which means end of file: refused here too (a spec
/// calls the binding directly), as `read` refuses a length of 0.
fn nonempty(env: &Env, views: &[&mut [u8]]) -> Result<()> {
    if views.iter().all(|v| v.is_empty()) {
        return Err(errors::out_of_range(env, "buffers hold no byte"));
    }
    Ok(())
}

fn array<'a>(env: &Env, value: Unknown<'a>) -> Result<Array<'a>> {
    if value.is_array()? {
        // SAFETY: `value` was just checked to be an array.
        Ok(unsafe { value.cast::<Array<'a>>() }?)
    } else {
        Err(errors::invalid_type(env, "buffers must be an Array"))
    }
}

/// Scatter read into several views in order: bytes read, 0 at EOF, -1 would block.
#[napi(catch_unwind, ts_args_type = "fd: number, buffers: ArrayBufferView[]")]
pub fn readv(env: Env, fd: f64, buffers: Unknown<'_>) -> Result<f64> {
    let fd = args::fd(&env, "fd", fd)?;
    let list = array(&env, buffers)?;
    let mut views = views(&env, &list)?;
    nonempty(&env, &views)?;
    let mut slices: Vec<IoSliceMut<'_>> = views.iter_mut().map(|v| IoSliceMut::new(v)).collect();
    match io::readv(fd, &mut slices) {
        Ok(Some(n)) => Ok(n as f64),
        Ok(None) => Ok(WOULD_BLOCK),
        Err(e) => Err(os(&env, e.with_detail(format!("fd {fd}")))),
    }
}

/// Gather write of several views in order: bytes written (possibly a prefix), -1 would block.
#[napi(catch_unwind, ts_args_type = "fd: number, buffers: ArrayBufferView[]")]
pub fn writev(env: Env, fd: f64, buffers: Unknown<'_>) -> Result<f64> {
    let fd = args::fd(&env, "fd", fd)?;
    let list = array(&env, buffers)?;
    let views = views(&env, &list)?;
    let slices: Vec<IoSlice<'_>> = views.iter().map(|v| IoSlice::new(v)).collect();
    match io::writev(fd, &slices) {
        Ok(Some(n)) => Ok(n as f64),
        Ok(None) => Ok(WOULD_BLOCK),
        Err(e) => Err(os(&env, e.with_detail(format!("fd {fd}")))),
    }
}

#[napi(catch_unwind)]
pub fn close(env: Env, fd: f64) -> Result<()> {
    let fd = args::fd(&env, "fd", fd)?;
    io::close(fd).map_err(|e| os(&env, e))
}

/// `[readFd, writeFd]`.
#[napi(catch_unwind, ts_return_type = "[number, number]")]
pub fn pipe(env: Env) -> Result<Vec<i32>> {
    let (r, w) = io::pipe().map_err(|e| os(&env, e))?;
    Ok(vec![give(r), give(w)])
}

/// Two connected unix stream sockets.
#[napi(catch_unwind, ts_return_type = "[number, number]")]
pub fn socketpair(env: Env) -> Result<Vec<i32>> {
    let (a, b) = io::socketpair().map_err(|e| os(&env, e))?;
    Ok(vec![give(a), give(b)])
}

#[napi(catch_unwind)]
pub fn eventfd(env: Env, initial: u32, semaphore: bool) -> Result<i32> {
    io::eventfd(initial, semaphore)
        .map(give)
        .map_err(|e| os(&env, e))
}

#[napi(catch_unwind)]
pub fn timerfd(env: Env, initial: f64, interval: f64) -> Result<i32> {
    let initial = args::millis(&env, "initial", initial)?;
    let interval = args::millis(&env, "interval", interval)?;
    io::timerfd(initial, interval)
        .map(give)
        .map_err(|e| os(&env, e))
}

/// Re-arms a timerfd, or disarms it when `initial` is null.
#[napi(catch_unwind)]
pub fn set_timer(env: Env, fd: f64, initial: Option<f64>, interval: f64) -> Result<()> {
    let fd = args::fd(&env, "fd", fd)?;
    let timer = match initial {
        Some(initial) => Some((
            args::millis(&env, "initial", initial)?,
            args::millis(&env, "interval", interval)?,
        )),
        None => None,
    };
    io::set_timer(fd, timer).map_err(|e| os(&env, e))
}

/// One end of a socket: `family` is `'IPv4'`, `'IPv6'` or `'unix'` (then `port` is 0).
#[napi(object)]
pub struct SocketAddress {
    pub address: String,
    pub port: u32,
    #[napi(ts_type = "'IPv4' | 'IPv6' | 'unix'")]
    pub family: String,
}

impl From<CoreAddress> for SocketAddress {
    fn from(addr: CoreAddress) -> Self {
        match addr {
            CoreAddress::Inet(SocketAddr::V4(v4)) => SocketAddress {
                address: v4.ip().to_string(),
                port: v4.port().into(),
                family: "IPv4".into(),
            },
            CoreAddress::Inet(SocketAddr::V6(v6)) => SocketAddress {
                address: v6.ip().to_string(),
                port: v6.port().into(),
                family: "IPv6".into(),
            },
            CoreAddress::Unix(path) => SocketAddress {
                address: String::from_utf8_lossy(&path).into_owned(),
                port: 0,
                family: "unix".into(),
            },
        }
    }
}

#[napi(catch_unwind)]
pub fn local_address(env: Env, fd: f64) -> Result<SocketAddress> {
    let fd = args::fd(&env, "fd", fd)?;
    io::local_address(fd)
        .map(Into::into)
        .map_err(|e| os(&env, e))
}

#[napi(catch_unwind)]
pub fn remote_address(env: Env, fd: f64) -> Result<SocketAddress> {
    let fd = args::fd(&env, "fd", fd)?;
    io::remote_address(fd)
        .map(Into::into)
        .map_err(|e| os(&env, e))
}

/// The pending `SO_ERROR` (a positive errno), 0 if none.
#[napi(catch_unwind)]
pub fn socket_error(env: Env, fd: f64) -> Result<i32> {
    let fd = args::fd(&env, "fd", fd)?;
    io::socket_error(fd).map_err(|e| os(&env, e))
}

#[napi(
    catch_unwind,
    ts_args_type = "fd: number, how: 'read' | 'write' | 'both'"
)]
pub fn shutdown(env: Env, fd: f64, how: String) -> Result<()> {
    let fd = args::fd(&env, "fd", fd)?;
    let how = match how.as_str() {
        "read" => io::Shutdown::Read,
        "write" => io::Shutdown::Write,
        "both" => io::Shutdown::Both,
        _ => {
            return Err(errors::invalid_value(
                &env,
                &format!("how is invalid: {how}"),
            ))
        }
    };
    io::shutdown(fd, how).map_err(|e| os(&env, e))
}

#[napi(catch_unwind)]
pub fn set_no_delay(env: Env, fd: f64, enable: bool) -> Result<()> {
    let fd = args::fd(&env, "fd", fd)?;
    io::set_no_delay(fd, enable).map_err(|e| os(&env, e))
}
