//! The hot calls (`epollWaitInto`, `read`, `write`, `accept`) as plain Node-API callbacks.
//!
//! napi-rs wraps every generated callback in its native-borrow bookkeeping (a scope object, a global
//! mutex and a map, allocations): measured here at about 300 ns per call, as much as the system call
//! these functions exist to make. These run once per event in a server, so they are registered by
//! hand, and each makes as few Node-API calls as it can: one to read the arguments, one per number,
//! one to see the view (`napi_get_typedarray_info` refuses a non-view, so no separate "is it a typed
//! array" call), one for the result.
//!
//! One validation layer: the TypeScript wrappers (`lib/io.ts`, `lib/epoll.ts`) check every argument
//! with Node's messages. What is checked here is only what memory safety and fd identity need (a
//! view, a byte range inside it, an fd number that does not wrap), with short messages but the same
//! codes, for whoever calls the binding directly.

use std::ffi::CStr;
use std::os::fd::{BorrowedFd, IntoRawFd};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use epoll_core::io;
use napi::bindgen_prelude::{FromNapiValue, JsObjectValue, Object, Unknown};
use napi::{sys, Env, JsError, Status};
use napi_derive::napi;

use crate::errors;
use crate::io::os;

/// What `read`/`write`/`accept` return when the fd is not ready.
const WOULD_BLOCK: i32 = -1;

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
    define(&env, &mut exports, c"acceptFd", Some(accept_cb))?;
    crate::batch::register(&env, &mut exports)
}

pub(crate) fn define(
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

/// Reads the `N` arguments, runs `body`, and returns its integer; an `Err` or a panic becomes the
/// pending JavaScript exception (and a null return, as Node-API expects).
pub(crate) unsafe fn run<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: fn(&Env, [sys::napi_value; N]) -> napi::Result<i32>,
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
        // SAFETY: a small integer (a count, an fd or -1) for this env: V8 makes it a Smi.
        Ok(value) => unsafe {
            sys::napi_create_int32(env, value, &mut result);
        },
        Err(error) if error.status == Status::PendingException => {}
        // SAFETY: throws into this env, which has no exception pending.
        Err(error) => unsafe { JsError::from(error).throw_into(env) },
    }
    result
}

/// A JavaScript number (as `f64`, so that nothing wraps), or `ERR_INVALID_ARG_TYPE`.
pub(crate) fn number(env: &Env, value: sys::napi_value, what: &str) -> napi::Result<f64> {
    let mut out = 0.0;
    // SAFETY: `value` is a live argument of this call; `out` is a valid local.
    if unsafe { sys::napi_get_value_double(env.raw(), value, &mut out) } == sys::Status::napi_ok {
        Ok(out)
    } else {
        Err(errors::invalid_type(
            env,
            &format!("{what} must be a number"),
        ))
    }
}

/// An fd number: an integer in `0..=i32::MAX` (2**32 + 3 must not become fd 3).
pub(crate) fn fd(env: &Env, value: sys::napi_value) -> napi::Result<i32> {
    let value = number(env, value, "fd")?;
    if value.fract() == 0.0 && (0.0..=i32::MAX as f64).contains(&value) {
        Ok(value as i32)
    } else {
        Err(errors::out_of_range(
            env,
            "fd must be an integer in 0..=2147483647",
        ))
    }
}

/// Where a view's bytes are: pointer and length in bytes (a null pointer when empty).
pub(crate) struct View {
    pub(crate) data: *mut u8,
    pub(crate) size: usize,
}

/// The bytes of any `ArrayBufferView` (Buffer, TypedArray, DataView), seen in place; anything else
/// is `ERR_INVALID_ARG_TYPE`, a view of a detached buffer `ERR_INVALID_ARG_VALUE`.
pub(crate) fn view(env: &Env, value: sys::napi_value) -> napi::Result<View> {
    let raw = env.raw();
    let (mut kind, mut elements, mut data) = (0, 0usize, ptr::null_mut());
    // SAFETY: `value` is a live argument of this call; every out-pointer is a valid local. Both
    // calls return `napi_invalid_arg` (and write nothing) for a value of another kind.
    let size = unsafe {
        if sys::napi_get_typedarray_info(
            raw,
            value,
            &mut kind,
            &mut elements,
            &mut data,
            ptr::null_mut(),
            ptr::null_mut(),
        ) == sys::Status::napi_ok
        {
            Some(elements.saturating_mul(crate::args::element_size(kind)))
        } else {
            let mut size = 0usize;
            (sys::napi_get_dataview_info(
                raw,
                value,
                &mut size,
                &mut data,
                ptr::null_mut(),
                ptr::null_mut(),
            ) == sys::Status::napi_ok)
                .then_some(size)
        }
    };
    let Some(size) = size else {
        return Err(errors::invalid_type(
            env,
            "buffer must be a Buffer, TypedArray or DataView",
        ));
    };
    if size == 0 || data.is_null() {
        // Empty or detached: only now is the buffer itself worth asking about.
        if detached(env, value) {
            return Err(errors::invalid_value(
                env,
                "buffer is a view of a detached ArrayBuffer",
            ));
        }
        return Ok(View {
            data: ptr::null_mut(),
            size: 0,
        });
    }
    Ok(View {
        data: data.cast(),
        size,
    })
}

/// Whether the view's `ArrayBuffer` is detached (asked only of empty views).
fn detached(env: &Env, value: sys::napi_value) -> bool {
    let raw = env.raw();
    let (mut buffer, mut ignored_kind, mut ignored_len, mut detached) =
        (ptr::null_mut(), 0, 0usize, false);
    // SAFETY: `value` is a view (checked by the caller); every out-pointer is a valid local.
    unsafe {
        let found = sys::napi_get_typedarray_info(
            raw,
            value,
            &mut ignored_kind,
            &mut ignored_len,
            ptr::null_mut(),
            &mut buffer,
            ptr::null_mut(),
        ) == sys::Status::napi_ok
            || sys::napi_get_dataview_info(
                raw,
                value,
                &mut ignored_len,
                ptr::null_mut(),
                &mut buffer,
                ptr::null_mut(),
            ) == sys::Status::napi_ok;
        found
            && sys::napi_is_detached_arraybuffer(raw, buffer, &mut detached) == sys::Status::napi_ok
            && detached
    }
}

/// `offset .. offset + length` (bytes) of the view, or `ERR_OUT_OF_RANGE`: nothing outside the view
/// can ever be read or written.
pub(crate) fn byte_range<'a>(
    env: &Env,
    view: View,
    offset: f64,
    length: f64,
) -> napi::Result<&'a mut [u8]> {
    let size = view.size as f64;
    let whole = |v: f64| v.fract() == 0.0 && v >= 0.0;
    if !(whole(offset) && whole(length) && offset <= size && length <= size - offset) {
        return Err(errors::out_of_range(
            env,
            "offset and length must be whole numbers of bytes inside the view",
        ));
    }
    if length == 0.0 {
        return Ok(&mut []);
    }
    // SAFETY: `view.data` points at `view.size` bytes of the view's backing store, which the
    // argument keeps alive for the duration of this native call; JavaScript cannot run (and so
    // cannot detach or resize it) until we return. `offset + length <= size` was checked above.
    Ok(unsafe { std::slice::from_raw_parts_mut(view.data.add(offset as usize), length as usize) })
}

/// A timeout in milliseconds as the core takes it; `-1` and `Infinity` wait forever.
pub(crate) fn timeout(env: &Env, value: sys::napi_value) -> napi::Result<epoll_core::Timeout> {
    let ms = number(env, value, "timeout")?;
    epoll_core::Timeout::from_millis_f64(ms)
        .ok_or_else(|| errors::out_of_range(env, "timeout must be >= 0, -1 or Infinity"))
}

/// Waits on `epfd` into `out` as `[fd, events]` pairs with this thread's kernel buffer.
pub(crate) fn wait_pairs(
    env: &Env,
    epfd: i32,
    out: &mut [u32],
    timeout: epoll_core::Timeout,
) -> napi::Result<usize> {
    // SAFETY: borrowed for this call only; a wrong fd is refused by the kernel (EBADF/EINVAL).
    let epfd = unsafe { BorrowedFd::borrow_raw(epfd) };
    EVENTS
        .with(|events| events.borrow_mut().wait_into(epfd, out, timeout))
        .map_err(|e| errors::throw(env, e))
}

/// `epollWaitInto(epfd, out, timeout)`: `epoll_wait` into a `Uint32Array` as `[fd, events]` pairs.
/// The caller (the TypeScript `Epoll`) passes the fd of an instance it holds open.
fn wait_into(env: &Env, [epfd, out, timeout]: [sys::napi_value; 3]) -> napi::Result<i32> {
    let epfd = fd(env, epfd)?;
    let out = u32_array(env, out)?;
    let timeout = self::timeout(env, timeout)?;
    let n = wait_pairs(env, epfd, out, timeout)?;
    // At most MAX_EVENTS_PER_WAIT (65,536) events: fits.
    Ok(n as i32)
}

/// The memory of a `Uint32Array`, seen in place (no copy). Any other value is `ERR_INVALID_ARG_TYPE`.
pub(crate) fn u32_array<'a>(env: &Env, value: sys::napi_value) -> napi::Result<&'a mut [u32]> {
    let (data, length) = typed(
        env,
        value,
        sys::TypedarrayType::uint32_array,
        "out must be a Uint32Array",
    )?;
    // SAFETY: `typed` found `length` u32 elements at `data` (suitably aligned: V8 aligns typed
    // arrays to their element size), kept alive by the argument for the duration of this native
    // call; JavaScript cannot run (and so cannot detach the buffer) until we return.
    Ok(unsafe { slice(data.cast::<u32>(), length) })
}

/// The elements of a typed array of `kind`: pointer and element count. Any other value is
/// `ERR_INVALID_ARG_TYPE` with `message`.
pub(crate) fn typed(
    env: &Env,
    value: sys::napi_value,
    kind: sys::napi_typedarray_type,
    message: &str,
) -> napi::Result<(*mut u8, usize)> {
    let (mut found, mut length, mut data) = (0, 0usize, ptr::null_mut());
    // SAFETY: `value` is a live argument of this call; the out-pointers are valid locals.
    let ok = unsafe {
        sys::napi_get_typedarray_info(
            env.raw(),
            value,
            &mut found,
            &mut length,
            &mut data,
            ptr::null_mut(),
            ptr::null_mut(),
        )
    } == sys::Status::napi_ok;
    if !ok || found != kind {
        return Err(errors::invalid_type(env, message));
    }
    if data.is_null() {
        return Ok((ptr::null_mut(), 0));
    }
    Ok((data.cast(), length))
}

/// `length` elements at `data` as a slice; empty when `data` is null.
///
/// # Safety
/// `data` must be null or point at `length` live, aligned elements that nothing else aliases for `'a`.
pub(crate) unsafe fn slice<'a, T>(data: *mut T, length: usize) -> &'a mut [T] {
    if data.is_null() || length == 0 {
        return &mut [];
    }
    // SAFETY: guaranteed by the caller.
    unsafe { std::slice::from_raw_parts_mut(data, length) }
}

/// `read(fd, buffer, offset, length)`: bytes read, 0 at end of file, -1 would block.
fn read(env: &Env, args: [sys::napi_value; 4]) -> napi::Result<i32> {
    transfer(env, args, io::read)
}

/// `write(fd, buffer, offset, length)`: bytes written, -1 would block.
fn write(env: &Env, args: [sys::napi_value; 4]) -> napi::Result<i32> {
    transfer(env, args, |fd, buf| io::write(fd, buf))
}

/// The shared body of `read` and `write`: checks `(fd, buffer, offset, length)`, moves the bytes,
/// and turns would-block into -1.
fn transfer(
    env: &Env,
    [fd_arg, buffer, offset, length]: [sys::napi_value; 4],
    syscall: impl FnOnce(i32, &mut [u8]) -> Result<Option<usize>, epoll_core::OsError>,
) -> napi::Result<i32> {
    let fd = fd(env, fd_arg)?;
    let (offset, length) = (
        number(env, offset, "offset")?,
        number(env, length, "length")?,
    );
    let buf = byte_range(env, view(env, buffer)?, offset, length)?;
    match syscall(fd, buf) {
        // Linux moves at most 0x7ffff000 bytes per call: the count fits an i32.
        Ok(Some(n)) => Ok(n as i32),
        Ok(None) => Ok(WOULD_BLOCK),
        Err(e) => Err(os(env, e.with_detail(format!("fd {fd}")))),
    }
}

/// `acceptFd(fd)`: a connection's fd, or -1 when none is pending.
fn accept(env: &Env, [listener]: [sys::napi_value; 1]) -> napi::Result<i32> {
    let fd = fd(env, listener)?;
    match io::accept(fd) {
        // JavaScript owns the fd from here on (a plain number).
        Ok(Some(conn)) => Ok(conn.into_raw_fd()),
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

unsafe extern "C" fn accept_cb(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: as above.
    unsafe { run(env, info, accept) }
}
