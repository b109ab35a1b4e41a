//! The one conversion kit: JavaScript values (raw `napi_value`s) into what the core takes, for the
//! hand-made calls and the napi-rs-generated functions alike, so that the same failure gets the same
//! code and message everywhere.
//!
//! One validation layer: the TypeScript wrappers check every argument with Node's messages. What is
//! checked here is only what memory safety and fd identity need (a view of the right kind, a byte
//! range inside it, arrays that do not share memory, an fd number that does not wrap: napi's int32
//! conversion would turn `2**32 + 3` into fd 3, so numbers arrive as `f64`), worded as Node words
//! it, for whoever calls the binding directly.
//!
//! It is built on raw Node-API calls because the hand-made calls (`calls.rs`) must be cheap: each
//! makes one Node-API call per number and one per view (`napi_get_typedarray_info` refuses a
//! non-view itself), with no allocation unless it fails.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use epoll_core::Timeout;
use napi::{sys, Env, JsError, Status};

use crate::epoll::NativeEpoll;
use crate::errors::{invalid_type, invalid_value, out_of_range, shown};

mod values;
pub use values::{boolean, fd_list, optional_string, string};

/// A JavaScript value of the current call.
pub type Value = sys::napi_value;

/// The body of a hand-made call: its arguments in, a count (or fd, or -1) out.
pub type Body<const N: usize> = fn(&Env, [Value; N]) -> napi::Result<i32>;

/// Reads the `N` arguments of a hand-made call, runs `body`, and returns its integer; an `Err` or a
/// panic becomes the pending JavaScript exception (and a null return, as Node-API expects).
///
/// # Safety
/// `env` and `info` must be the ones Node-API passed to the running callback.
pub unsafe fn run<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: Body<N>,
) -> Value {
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
pub fn number(env: &Env, name: &str, value: Value) -> napi::Result<f64> {
    let mut out = 0.0;
    // SAFETY: `value` is a live value of this call; `out` is a valid local.
    if unsafe { sys::napi_get_value_double(env.raw(), value, &mut out) } == sys::Status::napi_ok {
        Ok(out)
    } else {
        Err(invalid_type(env, name, "of type number"))
    }
}

/// Whether a finite `value` is a whole number, without `f64::fract` (which compiles to an
/// out-of-line call to libm's `trunc` on x86-64 without SSE4.1, 10–15 ns on every argument): from
/// 2**52 up every `f64` is whole; below, a round trip through `i64` is exact only for whole numbers.
#[inline]
fn is_whole(value: f64) -> bool {
    value.abs() >= 4_503_599_627_370_496.0 || (value as i64) as f64 == value
}

/// An integer in `min..=max`, else `ERR_OUT_OF_RANGE`.
pub fn integer_in(env: &Env, name: &str, value: f64, min: f64, max: f64) -> napi::Result<f64> {
    if (min..=max).contains(&value) && is_whole(value) {
        Ok(value)
    } else {
        let rule = format!("an integer >= {} and <= {}", shown(min), shown(max));
        Err(out_of_range(env, name, &rule, shown(value)))
    }
}

/// A file descriptor: an integer in `0..=i32::MAX` (`2**32 + 3` must not become fd 3).
pub fn fd(env: &Env, name: &str, value: f64) -> napi::Result<i32> {
    Ok(integer_in(env, name, value, 0.0, f64::from(i32::MAX))? as i32)
}

/// The fd argument of a hand-made call.
pub fn fd_arg(env: &Env, value: Value) -> napi::Result<i32> {
    fd(env, "fd", number(env, "fd", value)?)
}

/// Any `int` of C: a level, an option name, a family, a protocol.
pub fn int32(env: &Env, name: &str, value: f64) -> napi::Result<i32> {
    Ok(integer_in(env, name, value, f64::from(i32::MIN), f64::from(i32::MAX))? as i32)
}

/// A bit mask (epoll events, inotify masks, ioctl requests): unsigned 32-bit, or the negative int32
/// that `|` yields in JavaScript when the top bit is set.
pub fn mask(env: &Env, name: &str, value: f64) -> napi::Result<u32> {
    Ok(integer_in(env, name, value, f64::from(i32::MIN), f64::from(u32::MAX))? as i64 as u32)
}

/// A whole number of elements, at most `max`.
pub fn count(env: &Env, name: &str, value: Value, max: usize) -> napi::Result<usize> {
    Ok(integer_in(env, name, number(env, name, value)?, 0.0, max as f64)? as usize)
}

/// A timer duration in milliseconds, fractions kept to the nanosecond. Below `MAX_TIMER_MS` (what
/// the TypeScript layer allows) the whole seconds fit a `Duration`; anything else (negative, NaN,
/// larger) is refused rather than wrapped.
pub fn millis(env: &Env, name: &str, value: f64) -> napi::Result<std::time::Duration> {
    if !(0.0..epoll_core::fd::MAX_TIMER_MS).contains(&value) {
        let rule = format!(">= 0 and < {}", shown(epoll_core::fd::MAX_TIMER_MS));
        return Err(out_of_range(env, name, &rule, shown(value)));
    }
    let secs = (value / 1000.0).floor();
    let nanos = ((value - secs * 1000.0) * 1e6)
        .round()
        .clamp(0.0, 999_999_999.0);
    Ok(std::time::Duration::new(secs as u64, nanos as u32))
}

/// A wait's timeout in milliseconds as the core takes it; `-1` and `Infinity` wait forever.
pub fn timeout(env: &Env, value: Value) -> napi::Result<Timeout> {
    let ms = number(env, "timeout", value)?;
    Timeout::from_millis_f64(ms)
        .ok_or_else(|| out_of_range(env, "timeout", ">= 0, -1 or Infinity", shown(ms)))
}

/// Whether the value is `undefined` or `null` (an optional argument left out).
pub fn is_nullish(env: &Env, value: Value) -> bool {
    let mut kind = sys::ValueType::napi_undefined;
    // SAFETY: `value` is a live value of this call; `kind` is a valid local.
    unsafe { sys::napi_typeof(env.raw(), value, &mut kind) };
    kind == sys::ValueType::napi_undefined || kind == sys::ValueType::napi_null
}

/// Where a view's bytes are: pointer and length in bytes (a null pointer when empty).
pub struct View {
    data: *mut u8,
    size: usize,
}

impl View {
    pub fn len(&self) -> usize {
        self.size
    }

    /// Where the bytes start (null when empty): for memory the kernel reads after the call returns
    /// (`uring/turn.rs`), whose caller keeps the view alive until then.
    pub fn as_ptr(&self) -> *const u8 {
        self.data
    }
}

/// The bytes of any `ArrayBufferView` (Buffer, TypedArray, DataView), seen in place; anything else
/// is `ERR_INVALID_ARG_TYPE`, a view of a detached buffer `ERR_INVALID_ARG_VALUE`.
pub fn view(env: &Env, name: &str, value: Value) -> napi::Result<View> {
    let raw = env.raw();
    let (mut kind, mut elements, mut data) = (0, 0usize, ptr::null_mut());
    // SAFETY: `value` is a live value of this call; every out-pointer is a valid local. Both calls
    // return `napi_invalid_arg` (and write nothing) for a value of another kind.
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
            Some(elements.saturating_mul(element_size(kind)))
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
        return Err(invalid_type(
            env,
            name,
            "an instance of Buffer, TypedArray, or DataView",
        ));
    };
    if size == 0 || data.is_null() {
        // Empty or detached: only now is the buffer itself worth asking about.
        if detached(env, value) {
            return Err(invalid_value(
                env,
                name,
                "must not be a view of a detached ArrayBuffer",
                None,
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

/// Bytes per element of a typed array kind (Float16Array, newer than napi-sys, is kind 11). A kind
/// this build does not know counts as empty: never guess a size larger than the memory.
#[allow(non_upper_case_globals)] // napi-sys spells the kinds in lower case
fn element_size(kind: sys::napi_typedarray_type) -> usize {
    use sys::TypedarrayType::*;
    match kind {
        int8_array | uint8_array | uint8_clamped_array => 1,
        int16_array | uint16_array | 11 => 2,
        int32_array | uint32_array | float32_array => 4,
        float64_array | bigint64_array | biguint64_array => 8,
        _ => 0,
    }
}

/// Whether the view's `ArrayBuffer` is detached (asked only of empty views).
fn detached(env: &Env, value: Value) -> bool {
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

/// `offset .. offset + length` (bytes) of the view, or `ERR_OUT_OF_RANGE` naming the one that does
/// not fit: nothing outside the view can ever be read or written.
pub fn byte_range<'a>(
    env: &Env,
    view: View,
    offset: f64,
    length: f64,
) -> napi::Result<&'a mut [u8]> {
    let offset = integer_in(env, "offset", offset, 0.0, view.size as f64)? as usize;
    let length = integer_in(env, "length", length, 0.0, (view.size - offset) as f64)? as usize;
    if length == 0 {
        return Ok(&mut []);
    }
    // SAFETY: `view.data` points at `view.size` bytes of the view's backing store, which the
    // argument keeps alive for the duration of this native call; JavaScript cannot run (and so
    // cannot detach or resize it) until we return. `offset + length <= size` was checked above.
    Ok(unsafe { std::slice::from_raw_parts_mut(view.data.add(offset), length) })
}

/// A whole `ArrayBufferView` as bytes, seen in place (no copy).
pub fn bytes<'a>(env: &Env, name: &str, value: Value) -> napi::Result<&'a mut [u8]> {
    let view = view(env, name, value)?;
    let size = view.size as f64;
    byte_range(env, view, 0.0, size)
}

/// The element types of the typed arrays the binding takes whole.
pub trait Element: Sized {
    const KIND: sys::napi_typedarray_type;
    const EXPECTED: &'static str;
}

impl Element for u8 {
    const KIND: sys::napi_typedarray_type = sys::TypedarrayType::uint8_array;
    const EXPECTED: &'static str = "an instance of Uint8Array";
}

impl Element for i32 {
    const KIND: sys::napi_typedarray_type = sys::TypedarrayType::int32_array;
    const EXPECTED: &'static str = "an instance of Int32Array";
}

impl Element for u32 {
    const KIND: sys::napi_typedarray_type = sys::TypedarrayType::uint32_array;
    const EXPECTED: &'static str = "an instance of Uint32Array";
}

/// The elements of a typed array of exactly `T`'s kind, seen in place (no copy). Any other value
/// is `ERR_INVALID_ARG_TYPE`; a detached array is empty.
pub fn typed<'a, T: Element>(env: &Env, name: &str, value: Value) -> napi::Result<&'a mut [T]> {
    let (mut kind, mut length, mut data) = (0, 0usize, ptr::null_mut());
    // SAFETY: `value` is a live value of this call; the out-pointers are valid locals.
    let ok = unsafe {
        sys::napi_get_typedarray_info(
            env.raw(),
            value,
            &mut kind,
            &mut length,
            &mut data,
            ptr::null_mut(),
            ptr::null_mut(),
        )
    } == sys::Status::napi_ok;
    if !ok || kind != T::KIND {
        return Err(invalid_type(env, name, T::EXPECTED));
    }
    if data.is_null() || length == 0 {
        return Ok(&mut []);
    }
    // SAFETY: napi found `length` elements of `T` at `data` (aligned: V8 aligns typed arrays to their
    // element size), kept alive by the argument for the duration of this native call; JavaScript
    // cannot run (and so cannot detach the buffer) until we return. Callers that take several
    // arrays check with `apart` that they do not share memory before writing any.
    Ok(unsafe { std::slice::from_raw_parts_mut(data.cast::<T>(), length) })
}

/// The memory of one argument, named, to check that the arrays a call writes do not overlap what
/// else it reads or writes (Rust may not hold a mutable slice that aliases another).
#[derive(Clone, Copy)]
pub struct Span {
    name: &'static str,
    start: usize,
    len: usize,
}

impl Span {
    pub fn of<T>(name: &'static str, items: &[T]) -> Span {
        Span {
            name,
            start: items.as_ptr() as usize,
            len: std::mem::size_of_val(items),
        }
    }

    fn overlaps(self, other: Span) -> bool {
        self.len > 0
            && other.len > 0
            && self.start < other.start + other.len
            && other.start < self.start + self.len
    }
}

/// `ERR_INVALID_ARG_VALUE` when any two of `spans` share memory.
pub fn apart(env: &Env, spans: &[Span]) -> napi::Result<()> {
    for (i, a) in spans.iter().enumerate() {
        if let Some(b) = spans[i + 1..].iter().find(|b| a.overlaps(**b)) {
            let reason = format!("must not share memory with '{}'", b.name);
            return Err(invalid_value(env, a.name, &reason, None));
        }
    }
    Ok(())
}

/// The `NativeEpoll` behind a JavaScript instance, or `ERR_INVALID_ARG_TYPE`: an object wrapped by
/// another class (or addon) is refused, never cast (see `epoll/instances.rs`, which also makes this
/// cheap enough for `pollInto`).
pub fn native_epoll<'a>(env: &Env, value: Value) -> napi::Result<&'a NativeEpoll> {
    crate::epoll::instance_of(env, value)
        .ok_or_else(|| invalid_type(env, "epoll", "an instance of NativeEpoll"))
}
