//! The per-datagram calls (`recvFromInto`, `sendToRaw`) as plain Node-API callbacks, for the same
//! reason as `fast.rs`: napi-rs's generated wrappers cost about as much as the system call, and a
//! single-datagram server makes two of these calls per datagram. Arguments go through the same
//! checks (`args`) and errors through the same mapping (`errors`) as every other function.

use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use epoll_core::io::{self, SockAddr};
use napi::bindgen_prelude::{FromNapiValue, JsObjectValue, Object, Unknown};
use napi::{sys, Env, JsError, Status};
use napi_derive::napi;

use crate::io::{os, WOULD_BLOCK};
use crate::sockets::int32_array;
use crate::{args, errors};

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

fn define(
    env: &Env,
    exports: &mut Object,
    name: &CStr,
    callback: sys::napi_callback,
) -> napi::Result<()> {
    let mut function = ptr::null_mut();
    // SAFETY: `name` is NUL-terminated; `function` is a valid out-pointer.
    let status = unsafe {
        sys::napi_create_function(
            env.raw(),
            name.as_ptr(),
            name.count_bytes() as isize,
            callback,
            ptr::null_mut(),
            &mut function,
        )
    };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::new(
            Status::from(status),
            format!("cannot create {name:?}"),
        ));
    }
    // SAFETY: `function` is the live value just created in this env.
    let function = unsafe { Unknown::from_napi_value(env.raw(), function)? };
    exports.set_named_property(name.to_str().unwrap_or_default(), function)
}

/// Reads the `N` arguments, runs `body`, returns its number; an `Err` or a panic becomes the pending
/// JavaScript exception (and a null return, as Node-API expects).
unsafe fn run<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: fn(&Env, [sys::napi_value; N]) -> napi::Result<f64>,
) -> sys::napi_value {
    let mut argc = N;
    let mut argv = [ptr::null_mut(); N];
    // SAFETY: `argv` has room for `argc` values; missing arguments are filled with `undefined`.
    unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    let wrapped = Env::from_raw(env);
    let outcome = catch_unwind(AssertUnwindSafe(|| body(&wrapped, argv))).unwrap_or_else(|_| {
        Err(napi::Error::new(
            Status::GenericFailure,
            "epoll-napi: internal panic".to_owned(),
        ))
    });
    let mut result = ptr::null_mut();
    match outcome {
        // SAFETY: a plain number for this env.
        Ok(value) => unsafe {
            sys::napi_create_double(env, value, &mut result);
        },
        Err(error) if error.status == Status::PendingException => {}
        // SAFETY: throws into this env, which has no exception pending.
        Err(error) => unsafe { JsError::from(error).throw_into(env) },
    }
    result
}

fn number(env: &Env, name: &str, value: sys::napi_value) -> napi::Result<f64> {
    let mut out = 0.0;
    // SAFETY: `value` is a live argument of this call.
    if unsafe { sys::napi_get_value_double(env.raw(), value, &mut out) } == sys::Status::napi_ok {
        Ok(out)
    } else {
        Err(errors::invalid_type(
            env,
            &format!("The \"{name}\" argument must be of type number."),
        ))
    }
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
) -> napi::Result<f64> {
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
            Ok(got.bytes as f64)
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
) -> napi::Result<f64> {
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
        Ok(Some(n)) => Ok(n as f64),
        Ok(None) => Ok(WOULD_BLOCK),
        Err(e) => Err(os(env, e)),
    }
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
