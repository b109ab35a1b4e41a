//! The conversion kit's values that are neither numbers nor views: strings, booleans and arrays of
//! fds, converted here rather than by napi-rs's typed parameters (whose failures carry napi-rs
//! status codes, and whose `Vec` allocates by an array's length before looking at it).

use std::ptr;

use napi::{sys, Env, Status};

use super::{fd, is_nullish, number, Value};
use crate::errors::{invalid_type, out_of_range};

/// A JavaScript array of at most `max` fds (`fds[i]` named in errors). The length is checked before
/// anything is allocated: `new Array(2 ** 32 - 1)` is one small object, and a vector sized by it is not.
/// A hole reads as `undefined` and is `ERR_INVALID_ARG_TYPE`; a getter that throws passes its error on.
pub fn fd_list(env: &Env, name: &str, value: Value, max: usize) -> napi::Result<Vec<i32>> {
    let raw = env.raw();
    let mut is_array = false;
    // SAFETY: `value` is a live value of this call; `is_array` is a valid local.
    unsafe { sys::napi_is_array(raw, value, &mut is_array) };
    if !is_array {
        return Err(invalid_type(env, name, "an instance of Array"));
    }
    let mut length = 0u32;
    // SAFETY: `value` was just checked to be an array.
    unsafe { sys::napi_get_array_length(raw, value, &mut length) };
    let length = length as usize;
    if length > max {
        let rule = format!("<= {max}");
        return Err(out_of_range(env, &format!("{name}.length"), &rule, length));
    }
    let mut fds = Vec::with_capacity(length);
    for i in 0..length {
        let mut element = ptr::null_mut();
        // SAFETY: as above; `i` is below the length read (a getter may shrink the array: then the
        // element reads as `undefined`, refused below). A getter that throws leaves its exception
        // pending, which is passed on as it is.
        if unsafe { sys::napi_get_element(raw, value, i as u32, &mut element) }
            != sys::Status::napi_ok
        {
            return Err(napi::Error::new(
                Status::PendingException,
                "exception pending",
            ));
        }
        let label = format!("{name}[{i}]");
        fds.push(fd(env, &label, number(env, &label, element)?)?);
    }
    Ok(fds)
}

/// A JavaScript string as UTF-8, or `ERR_INVALID_ARG_TYPE` (napi-rs's `String` parameter would
/// throw its own status code, or JSON-serialise the value for its message and throw on a bigint).
/// The copy is as large as the string JavaScript already holds (at most 3 bytes per UTF-16 unit).
pub fn string(env: &Env, name: &str, value: Value) -> napi::Result<String> {
    let raw = env.raw();
    let mut length = 0usize;
    // SAFETY: `value` is a live value of this call; a null buffer asks for the length only.
    let status =
        unsafe { sys::napi_get_value_string_utf8(raw, value, ptr::null_mut(), 0, &mut length) };
    if status != sys::Status::napi_ok {
        return Err(invalid_type(env, name, "of type string"));
    }
    let mut bytes = vec![0u8; length + 1];
    let mut written = 0usize;
    // SAFETY: `bytes` has room for `length` bytes and the NUL napi writes after them.
    unsafe {
        sys::napi_get_value_string_utf8(
            raw,
            value,
            bytes.as_mut_ptr().cast(),
            bytes.len(),
            &mut written,
        )
    };
    bytes.truncate(written);
    // napi writes UTF-8 (a lone surrogate as U+FFFD), so this never fails; lossy keeps it total.
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// [`string`], or `None` for `undefined` and `null`.
pub fn optional_string(env: &Env, name: &str, value: Value) -> napi::Result<Option<String>> {
    if is_nullish(env, value) {
        return Ok(None);
    }
    string(env, name, value).map(Some)
}

/// A JavaScript boolean, or `ERR_INVALID_ARG_TYPE`.
pub fn boolean(env: &Env, name: &str, value: Value) -> napi::Result<bool> {
    let mut out = false;
    // SAFETY: `value` is a live value of this call; `out` is a valid local.
    if unsafe { sys::napi_get_value_bool(env.raw(), value, &mut out) } == sys::Status::napi_ok {
        Ok(out)
    } else {
        Err(invalid_type(env, name, "of type boolean"))
    }
}
