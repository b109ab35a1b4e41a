//! The hot calls (`epollWaitInto`, `read`, `write`) as plain Node-API callbacks.
//!
//! napi-rs wraps every generated callback in its native-borrow bookkeeping (a scope object, a global
//! mutex and a map, allocations): measured here at about 300 ns per call, as much as the system call
//! these functions exist to make. These three run once per event in a server, so they are registered
//! by hand. Their arguments go through the same checks (`args`) and their errors through the same
//! mapping (`errors`) as every other function; only the calling convention differs.

use std::ffi::CStr;
use std::os::fd::BorrowedFd;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use epoll_core::io;
use napi::bindgen_prelude::{FromNapiValue, JsObjectValue, Object, Unknown};
use napi::{sys, Env, JsError, Status};
use napi_derive::napi;

use crate::io::{os, WOULD_BLOCK};
use crate::{args, errors};

thread_local! {
    /// The kernel buffer of `epollWaitInto`, one per JavaScript thread.
    static EVENTS: std::cell::RefCell<epoll_core::EventBuffer> = std::cell::RefCell::default();
}

#[napi(module_exports)]
pub fn register_fast_paths(mut exports: Object, env: Env) -> napi::Result<()> {
    define(
        &env,
        &mut exports,
        c"epollWaitInto",
        Some(epoll_wait_into_cb),
    )?;
    define(&env, &mut exports, c"read", Some(read_cb))?;
    define(&env, &mut exports, c"write", Some(write_cb))?;
    Ok(())
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

/// Reads the `N` arguments, runs `body`, and returns its number; an `Err` or a panic becomes the
/// pending JavaScript exception (and a null return, as Node-API expects).
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

/// A JavaScript number, or `ERR_INVALID_ARG_TYPE`.
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

/// `epollWaitInto(epfd, out, timeout)`: `epoll_wait` into a `Uint32Array` as `[fd, events]` pairs.
/// The caller (the TypeScript `Epoll`) passes the fd of an instance it holds open.
fn wait_into(env: &Env, [epfd, out, timeout]: [sys::napi_value; 3]) -> napi::Result<f64> {
    let epfd = args::fd(env, "epfd", number(env, "epfd", epfd)?)?;
    let out = args::u32_array(env, "out", unknown(env, out)?)?;
    let timeout = args::timeout(env, number(env, "timeout", timeout)?)?;
    // SAFETY: borrowed for this call only; a wrong fd is refused by the kernel (EBADF/EINVAL).
    let epfd = unsafe { BorrowedFd::borrow_raw(epfd) };
    let n = EVENTS
        .with(|events| events.borrow_mut().wait_into(epfd, out, timeout))
        .map_err(|e| errors::throw(env, e))?;
    Ok(n as f64)
}

/// `read(fd, buffer, offset, length)`: bytes read, 0 at end of file, -1 would block.
fn read(env: &Env, args: [sys::napi_value; 4]) -> napi::Result<f64> {
    transfer(env, args, io::read)
}

/// `write(fd, buffer, offset, length)`: bytes written, -1 would block.
fn write(env: &Env, args: [sys::napi_value; 4]) -> napi::Result<f64> {
    transfer(env, args, |fd, buf| io::write(fd, buf))
}

/// The shared body of `read` and `write`: checks `(fd, buffer, offset, length)`, moves the bytes,
/// and turns would-block into -1.
fn transfer(
    env: &Env,
    [fd, buffer, offset, length]: [sys::napi_value; 4],
    syscall: impl FnOnce(i32, &mut [u8]) -> Result<Option<usize>, epoll_core::OsError>,
) -> napi::Result<f64> {
    let fd = args::fd(env, "fd", number(env, "fd", fd)?)?;
    let (offset, length) = (
        number(env, "offset", offset)?,
        number(env, "length", length)?,
    );
    let buf = args::byte_range(env, "buffer", unknown(env, buffer)?, offset, length)?;
    match syscall(fd, buf) {
        Ok(Some(n)) => Ok(n as f64),
        Ok(None) => Ok(WOULD_BLOCK),
        Err(e) => Err(os(env, e.with_detail(format!("fd {fd}")))),
    }
}

unsafe extern "C" fn epoll_wait_into_cb(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: called by Node-API with this call's env and info.
    unsafe { run(env, info, wait_into) }
}

unsafe extern "C" fn read_cb(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: as above.
    unsafe { run(env, info, read) }
}

unsafe extern "C" fn write_cb(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: as above.
    unsafe { run(env, info, write) }
}
