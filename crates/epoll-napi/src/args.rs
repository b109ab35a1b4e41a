//! The checks memory safety needs at the boundary, and nothing more: TypeScript (`lib/validate.ts`)
//! has already validated every argument with Node's messages, so these messages are short and only
//! say which argument the binding refused. Fds arrive as `f64` so that nothing wraps (napi's int32
//! conversion would turn `2**32 + 3` into fd 3); views are checked for their kind and every byte
//! range against the view, so that no call reads or writes outside JavaScript's memory.

use std::ptr;

use napi::bindgen_prelude::Unknown;
use napi::{sys, Env, Error, JsValue};

use crate::errors::{invalid_type, invalid_value, out_of_range};

/// `ERR_OUT_OF_RANGE`, short: `fd out of range: 4294967299`.
fn range(env: &Env, name: &str, value: f64) -> Error {
    out_of_range(env, &format!("{name} out of range: {value}"))
}

/// A file descriptor: an integer in `0..=i32::MAX`.
pub fn fd(env: &Env, name: &str, value: f64) -> Result<i32, Error> {
    if value.fract() == 0.0 && (0.0..=i32::MAX as f64).contains(&value) {
        Ok(value as i32)
    } else {
        Err(range(env, name, value))
    }
}

/// An event mask: unsigned 32-bit, or the negative int32 that `|` yields in JavaScript when
/// `EPOLLET` is set.
pub fn events(env: &Env, value: f64) -> Result<u32, Error> {
    if value.fract() == 0.0 && (i32::MIN as f64..=u32::MAX as f64).contains(&value) {
        Ok(value as i64 as u32)
    } else {
        Err(range(env, "events", value))
    }
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
        return Err(invalid_type(env, &format!("{name} must be a Uint32Array")));
    }
    if length == 0 || data.is_null() {
        return Ok(&mut []);
    }
    // SAFETY: napi reported `length` u32 elements at `data`, kept alive by `value` for the duration
    // of this native call; JavaScript cannot run (and so cannot detach the buffer) until we return.
    Ok(unsafe { std::slice::from_raw_parts_mut(data.cast::<u32>(), length) })
}

/// The bytes of any `ArrayBufferView` narrowed to `offset .. offset + length` (bytes, not
/// elements), seen in place: nothing outside the view can ever be read or written.
pub fn byte_range<'a>(
    env: &Env,
    name: &str,
    value: Unknown<'a>,
    offset: f64,
    length: f64,
) -> Result<&'a mut [u8], Error> {
    let (data, size) = byte_view(env, name, value)?;
    let offset = integer_in(env, "offset", offset, 0.0, size as f64)? as usize;
    let length = integer_in(env, "length", length, 0.0, (size - offset) as f64)? as usize;
    if length == 0 {
        return Ok(&mut []);
    }
    // SAFETY: `data` points at `size` bytes of the view's backing store, which `value` keeps alive
    // for the duration of this native call; JavaScript cannot run (and so cannot detach or resize
    // it) until we return. `offset + length <= size` was checked just above.
    Ok(unsafe { std::slice::from_raw_parts_mut(data.add(offset), length) })
}

/// A whole `ArrayBufferView` as bytes, seen in place (no copy). A non-view is a `TypeError`, a
/// detached buffer an `ERR_INVALID_ARG_VALUE`.
pub fn bytes<'a>(env: &Env, name: &str, value: Unknown<'a>) -> Result<&'a mut [u8], Error> {
    let (data, size) = byte_view(env, name, value)?;
    if size == 0 {
        return Ok(&mut []);
    }
    // SAFETY: `data` points at `size` bytes of the view's backing store, which `value` keeps alive
    // for the duration of this native call; JavaScript cannot run (and so cannot detach or resize
    // it) until we return.
    Ok(unsafe { std::slice::from_raw_parts_mut(data, size) })
}

/// Pointer to the first byte of the view and its length in bytes.
fn byte_view(env: &Env, name: &str, value: Unknown<'_>) -> Result<(*mut u8, usize), Error> {
    let (raw_env, raw) = (env.raw(), value.raw());
    let (mut data, mut size, mut array_buffer) = (ptr::null_mut(), 0usize, ptr::null_mut());
    let mut is_kind = false;
    // SAFETY: `value` is a live handle of this call's scope; every out-pointer is a valid local.
    let found = unsafe {
        if sys::napi_is_typedarray(raw_env, raw, &mut is_kind) == sys::Status::napi_ok && is_kind {
            let (mut kind, mut elements) = (0, 0usize);
            let ok = sys::napi_get_typedarray_info(
                raw_env,
                raw,
                &mut kind,
                &mut elements,
                &mut data,
                &mut array_buffer,
                ptr::null_mut(),
            ) == sys::Status::napi_ok;
            size = elements.saturating_mul(element_size(kind));
            ok
        } else if sys::napi_is_dataview(raw_env, raw, &mut is_kind) == sys::Status::napi_ok
            && is_kind
        {
            sys::napi_get_dataview_info(
                raw_env,
                raw,
                &mut size,
                &mut data,
                &mut array_buffer,
                ptr::null_mut(),
            ) == sys::Status::napi_ok
        } else {
            false
        }
    };
    if !found {
        return Err(invalid_type(
            env,
            &format!("{name} must be a Buffer, TypedArray or DataView"),
        ));
    }
    // A detached buffer reports length 0; only then is the (extra) detachment check worth a call.
    if size == 0 || data.is_null() {
        let mut detached = false;
        // SAFETY: `array_buffer` is the view's buffer handle returned above; `detached` is a local.
        let status =
            unsafe { sys::napi_is_detached_arraybuffer(raw_env, array_buffer, &mut detached) };
        if status == sys::Status::napi_ok && detached {
            return Err(invalid_value(
                env,
                &format!("{name} is a view of a detached ArrayBuffer"),
            ));
        }
        return Ok((ptr::null_mut(), 0));
    }
    Ok((data.cast::<u8>(), size))
}

/// Bytes per element of a typed array kind (Float16Array, newer than napi-sys, is kind 11). A kind
/// this build does not know counts as empty: never guess a size larger than the memory.
#[allow(non_upper_case_globals)] // napi-sys spells the kinds in lower case
pub(crate) fn element_size(kind: sys::napi_typedarray_type) -> usize {
    use sys::TypedarrayType::*;
    match kind {
        int8_array | uint8_array | uint8_clamped_array => 1,
        int16_array | uint16_array | 11 => 2,
        int32_array | uint32_array | float32_array => 4,
        float64_array | bigint64_array | biguint64_array => 8,
        _ => 0,
    }
}

/// An integer in `min..=max` (a byte offset or length, or a number a buffer size or an encoding
/// depends on), else `ERR_OUT_OF_RANGE`.
pub fn integer_in(env: &Env, name: &str, value: f64, min: f64, max: f64) -> Result<f64, Error> {
    if value.fract() == 0.0 && (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(range(env, name, value))
    }
}

/// A timer duration in milliseconds, fractions kept to the nanosecond. Below `io::MAX_TIMER_MS`
/// (what `lib/validate.ts` allows) the whole seconds fit a `Duration`; anything else (negative, NaN,
/// larger) is refused rather than wrapped.
pub fn millis(env: &Env, name: &str, value: f64) -> Result<std::time::Duration, Error> {
    if !(0.0..epoll_core::io::MAX_TIMER_MS).contains(&value) {
        return Err(range(env, name, value));
    }
    let secs = (value / 1000.0).floor();
    let nanos = ((value - secs * 1000.0) * 1e6)
        .round()
        .clamp(0.0, 999_999_999.0);
    Ok(std::time::Duration::new(secs as u64, nanos as u32))
}
