//! The per-datagram calls (`recvFromInto`, `sendToRaw`) as plain Node-API callbacks, for the same
//! reason as `fast.rs`: napi-rs's generated wrappers cost about as much as the system call, and a
//! single-datagram server makes two of these calls per datagram. Arguments go through the same
//! checks (`args`) and errors through the same mapping (`errors`) as every other function.

use epoll_core::io::{self, SockAddr};
use napi::bindgen_prelude::{FromNapiValue, Object, Unknown};
use napi::{sys, Env};
use napi_derive::napi;

use crate::fast::{define, run};
use crate::io::os;
use crate::sockets::int32_array;
use crate::{args, errors};

/// What the calls return when nothing is queued / the send buffer is full.
const WOULD_BLOCK: i32 = -1;

/// A JavaScript number, as `f64` so that nothing wraps.
fn number(env: &Env, name: &str, value: sys::napi_value) -> napi::Result<f64> {
    crate::fast::number(env, value, name)
}

/// The two calls as an object, made once by the TypeScript layer (`fast.rs` holds the binding's one
/// `module_exports` hook, so these cannot be added to the exports at load time).
#[napi(
    catch_unwind,
    ts_return_type = "{ recvFromInto(fd: number, buffer: ArrayBufferView, offset: number, length: number, name: Uint8Array, meta: Int32Array): number; sendToRaw(fd: number, buffer: ArrayBufferView, offset: number, length: number, address: Uint8Array): number }"
)]
pub fn datagram_paths(env: Env) -> napi::Result<Object<'static>> {
    let mut paths = Object::new(&env)?;
    define(&env, &mut paths, c"recvFromInto", Some(recv_from_into_cb))?;
    define(&env, &mut paths, c"sendToRaw", Some(send_to_raw_cb))?;
    Ok(paths)
}

fn unknown<'a>(env: &Env, value: sys::napi_value) -> napi::Result<Unknown<'a>> {
    // SAFETY: `value` is a live argument of this call.
    unsafe { Unknown::from_napi_value(env.raw(), value) }
}

/// `recvFromInto(fd, buffer, offset, length, name, meta)`: one datagram into the range, the sender's
/// raw `struct sockaddr` into `name`, `[flags, name length]` into `meta` (an `Int32Array` of 2 or
/// more); returns the bytes received, or -1 when nothing is queued. No object is made.
fn recv_from_into(
    env: &Env,
    [fd, buffer, offset, length, name, meta]: [sys::napi_value; 6],
) -> napi::Result<i32> {
    let fd = args::fd(env, "fd", number(env, "fd", fd)?)?;
    let (offset, length) = (
        number(env, "offset", offset)?,
        number(env, "length", length)?,
    );
    let buf = args::byte_range(env, "buffer", unknown(env, buffer)?, offset, length)?;
    let name = args::bytes(env, "name", unknown(env, name)?)?;
    let meta = int32_array(env, "meta", unknown(env, meta)?)?;
    if meta.len() < 2 {
        return Err(errors::out_of_range(
            env,
            "The value of \"meta.length\" is out of range. It must be >= 2.",
        ));
    }
    match io::recv_from_raw(fd, buf, name) {
        Ok(Some(got)) => {
            meta[0] = got.flags;
            meta[1] = got.name_length as i32;
            Ok(byte_count(got.bytes))
        }
        Ok(None) => Ok(WOULD_BLOCK),
        Err(e) => Err(os(env, e)),
    }
}

/// `sendToRaw(fd, buffer, offset, length, address)`: one datagram to a raw `struct sockaddr`
/// (2 to 128 bytes); bytes sent, or -1 when the send buffer is full.
fn send_to_raw(
    env: &Env,
    [fd, buffer, offset, length, address]: [sys::napi_value; 5],
) -> napi::Result<i32> {
    let fd = args::fd(env, "fd", number(env, "fd", fd)?)?;
    let (offset, length) = (
        number(env, "offset", offset)?,
        number(env, "length", length)?,
    );
    let buf = args::byte_range(env, "buffer", unknown(env, buffer)?, offset, length)?;
    let to = SockAddr::raw(
        args::bytes(env, "address", unknown(env, address)?)?,
        "sendto",
    )
    .map_err(|e| os(env, e))?;
    match io::send_to(fd, buf, Some(&to)) {
        Ok(Some(n)) => Ok(byte_count(n)),
        Ok(None) => Ok(WOULD_BLOCK),
        Err(e) => Err(os(env, e)),
    }
}

/// A datagram's size as the callbacks return it (datagrams are far below 2 GiB).
fn byte_count(bytes: usize) -> i32 {
    i32::try_from(bytes).unwrap_or(i32::MAX)
}

unsafe extern "C" fn recv_from_into_cb(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: called by Node-API with this call's env and info.
    unsafe { run(env, info, recv_from_into) }
}

unsafe extern "C" fn send_to_raw_cb(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: as above.
    unsafe { run(env, info, send_to_raw) }
}
