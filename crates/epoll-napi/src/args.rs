//! Argument checks at the boundary. JavaScript numbers arrive as `f64` so that nothing wraps:
//! napi's int32 conversion would turn `2**32 + 3` into fd 3.

use std::ptr;

use napi::bindgen_prelude::Unknown;
use napi::{sys, Env, Error, JsValue};

use crate::errors::{invalid_type, out_of_range};

/// A file descriptor: an integer in `0..=i32::MAX`.
pub fn fd(env: &Env, name: &str, value: f64) -> Result<i32, Error> {
    if value.fract() == 0.0 && (0.0..=i32::MAX as f64).contains(&value) {
        Ok(value as i32)
    } else {
        Err(out_of_range(
            env,
            &format!("The value of \"{name}\" is out of range. It must be an integer >= 0 and <= 2147483647. Received {value}"),
        ))
    }
}

/// An event mask: unsigned 32-bit, or the negative int32 that `|` yields in JavaScript when
/// `EPOLLET` is set.
pub fn events(env: &Env, value: f64) -> Result<u32, Error> {
    if value.fract() == 0.0 && (i32::MIN as f64..=u32::MAX as f64).contains(&value) {
        Ok(value as i64 as u32)
    } else {
        Err(out_of_range(
            env,
            &format!("The value of \"events\" is out of range. It must be a 32-bit integer mask. Received {value}"),
        ))
    }
}

/// A timeout in milliseconds; `-1` and `Infinity` wait forever.
pub fn timeout(env: &Env, value: f64) -> Result<epoll_core::Timeout, Error> {
    epoll_core::Timeout::from_millis_f64(value).ok_or_else(|| {
        out_of_range(
            env,
            &format!("The value of \"timeout\" is out of range. It must be >= 0, -1 or Infinity. Received {value}"),
        )
    })
}

/// The memory of a `Uint32Array`, seen in place (no copy). Any other value is a `TypeError`.
pub fn u32_array<'a>(env: &Env, name: &str, value: Unknown<'a>) -> Result<&'a mut [u32], Error> {
    let (mut kind, mut length, mut data) = (0, 0, ptr::null_mut());
    let mut is_typed_array = false;
    // SAFETY: `value` is a live handle of this call's scope; the out-pointers are valid locals.
    let ok = unsafe {
        sys::napi_is_typedarray(env.raw(), value.raw(), &mut is_typed_array) == sys::Status::napi_ok
            && is_typed_array
            && sys::napi_get_typedarray_info(
                env.raw(),
                value.raw(),
                &mut kind,
                &mut length,
                &mut data,
                ptr::null_mut(),
                ptr::null_mut(),
            ) == sys::Status::napi_ok
    };
    if !ok || kind != sys::TypedarrayType::uint32_array {
        return Err(invalid_type(
            env,
            &format!("The \"{name}\" argument must be an instance of Uint32Array."),
        ));
    }
    if length == 0 || data.is_null() {
        return Ok(&mut []);
    }
    // SAFETY: napi reported `length` u32 elements at `data`, kept alive by `value` for the duration
    // of this native call; JavaScript cannot run (and so cannot detach the buffer) until we return.
    Ok(unsafe { std::slice::from_raw_parts_mut(data.cast::<u32>(), length) })
}
