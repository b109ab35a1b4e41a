//! The batch calls of `lib/batch.ts` (`writeMany`, `pollRead`, `writeSlots`), registered by hand like
//! the other hot calls (`fast.rs`): each moves the bytes of many fds per crossing into native code.
//!
//! The TypeScript wrappers check every argument with Node's messages. Here only what memory safety
//! needs: views and typed arrays of the right kind, counts and slots inside them, and no two arrays
//! that the call writes into (or writes one and reads the other) sharing memory, since Rust may not
//! hold a mutable slice that aliases another.

use napi::{sys, Env};

use crate::errors;
use crate::fast::{byte_range, define, fd, number, run, slice, timeout, typed, view, wait_pairs};
use epoll_core::io;

pub(crate) fn register(env: &Env, exports: &mut napi::bindgen_prelude::Object) -> napi::Result<()> {
    define(env, exports, c"writeMany", Some(write_many_cb))?;
    define(env, exports, c"pollRead", Some(poll_read_cb))?;
    define(env, exports, c"writeSlots", Some(write_slots_cb))?;
    Ok(())
}

/// Bytes `[start, start + len)` of some argument, to check that two of them do not overlap.
#[derive(Clone, Copy)]
struct Span(usize, usize);

impl Span {
    fn of<T>(items: &[T]) -> Span {
        Span(items.as_ptr() as usize, std::mem::size_of_val(items))
    }

    fn overlaps(self, other: Span) -> bool {
        self.1 > 0 && other.1 > 0 && self.0 < other.0 + other.1 && other.0 < self.0 + self.1
    }
}

fn apart(env: &Env, spans: &[Span]) -> napi::Result<()> {
    for (i, a) in spans.iter().enumerate() {
        if spans[i + 1..].iter().any(|b| a.overlaps(*b)) {
            return Err(errors::invalid_value(
                env,
                "the arrays of a batch call must not share memory",
            ));
        }
    }
    Ok(())
}

fn i32s<'a>(env: &Env, value: sys::napi_value, message: &str) -> napi::Result<&'a mut [i32]> {
    let (data, length) = typed(env, value, sys::TypedarrayType::int32_array, message)?;
    // SAFETY: `typed` found `length` aligned i32 elements at `data`, kept alive by the argument for
    // this native call, during which no JavaScript runs; overlaps are refused by `apart` before
    // any of these slices is written.
    Ok(unsafe { slice(data.cast::<i32>(), length) })
}

fn u32s<'a>(env: &Env, value: sys::napi_value, message: &str) -> napi::Result<&'a mut [u32]> {
    let (data, length) = typed(env, value, sys::TypedarrayType::uint32_array, message)?;
    // SAFETY: as in `i32s`, for u32 elements.
    Ok(unsafe { slice(data.cast::<u32>(), length) })
}

/// A whole number of elements, at most `max`.
fn count_in(env: &Env, value: sys::napi_value, what: &str, max: usize) -> napi::Result<usize> {
    let n = number(env, value, what)?;
    if n.fract() == 0.0 && n >= 0.0 && n <= max as f64 {
        Ok(n as usize)
    } else {
        Err(errors::out_of_range(
            env,
            &format!("{what} must be a whole number <= {max}"),
        ))
    }
}

/// A slot size in bytes: at least 1, at most the slab.
fn slot_size(env: &Env, value: sys::napi_value, slab: usize) -> napi::Result<usize> {
    let n = number(env, value, "slotSize")?;
    if n.fract() == 0.0 && n >= 1.0 && n <= slab.max(1) as f64 {
        Ok(n as usize)
    } else {
        Err(errors::out_of_range(
            env,
            "slotSize must be a whole number of bytes, >= 1 and <= the slab",
        ))
    }
}

/// `writeMany(fds, count, results, buffer, offset, length)`: the same bytes to `fds[0..count]`.
fn write_many(
    env: &Env,
    [fds, count, results, buffer, offset, length]: [sys::napi_value; 6],
) -> napi::Result<i32> {
    let fds = i32s(env, fds, "fds must be an Int32Array")?;
    let results = i32s(env, results, "results must be an Int32Array")?;
    let count = count_in(env, count, "count", fds.len().min(results.len()))?;
    let offset = number(env, offset, "offset")?;
    let length = number(env, length, "length")?;
    let data = byte_range(env, view(env, buffer)?, offset, length)?;
    apart(env, &[Span::of(results), Span::of(fds)])?;
    apart(env, &[Span::of(results), Span::of(data)])?;
    let complete = io::write_many(&fds[..count], data, &mut results[..count]);
    Ok(complete as i32)
}

/// `pollRead(epfd, events, lengths, slab, slotSize, timeout, skip)`: `epoll_wait` into `events`,
/// then every readable fd read into its slot.
fn poll_read(
    env: &Env,
    [epfd, events, lengths, slab, slot, wait, skip]: [sys::napi_value; 7],
) -> napi::Result<i32> {
    let epfd = fd(env, epfd)?;
    let events = u32s(env, events, "events must be a Uint32Array")?;
    let lengths = i32s(env, lengths, "lengths must be an Int32Array")?;
    let slab_view = view(env, slab)?;
    let slot = slot_size(env, slot, slab_view.size)?;
    let whole_slots = (slab_view.size / slot) * slot;
    let slab = byte_range(env, slab_view, 0.0, whole_slots as f64)?;
    let timeout = timeout(env, wait)?;
    let skip = optional_u8s(env, skip)?;
    let capacity = (events.len() / 2).min(lengths.len()).min(slab.len() / slot);
    if capacity == 0 {
        return Err(errors::out_of_range(
            env,
            "events, lengths and slab must have room for at least one event",
        ));
    }
    let mut spans = vec![Span::of(events), Span::of(lengths), Span::of(slab)];
    if let Some(mask) = skip.as_deref() {
        spans.push(Span::of(mask));
    }
    apart(env, &spans)?;
    let events = &mut events[..2 * capacity];
    let n = wait_pairs(env, epfd, events, timeout)?;
    io::read_slots(
        &events[..2 * n],
        skip.as_deref(),
        &mut slab[..n * slot],
        slot,
        &mut lengths[..n],
    );
    Ok(n as i32)
}

/// `undefined`, or the bytes of a `Uint8Array`.
fn optional_u8s<'a>(env: &Env, value: sys::napi_value) -> napi::Result<Option<&'a mut [u8]>> {
    let mut kind = 0;
    // SAFETY: `value` is a live argument of this call; `kind` is a valid local.
    unsafe { sys::napi_typeof(env.raw(), value, &mut kind) };
    if kind == sys::ValueType::napi_undefined {
        return Ok(None);
    }
    let (data, length) = typed(
        env,
        value,
        sys::TypedarrayType::uint8_array,
        "skip must be a Uint8Array",
    )?;
    // SAFETY: as in `i32s`, for bytes.
    Ok(Some(unsafe { slice(data, length) }))
}

/// `writeSlots(pairs, count, lengths, slab, slotSize, results)`: slot `i` to the fd of pair `i`.
fn write_slots(
    env: &Env,
    [pairs, count, lengths, slab, slot, results]: [sys::napi_value; 6],
) -> napi::Result<i32> {
    let pairs = u32s(env, pairs, "pairs must be a Uint32Array")?;
    let lengths = i32s(env, lengths, "lengths must be an Int32Array")?;
    let results = i32s(env, results, "results must be an Int32Array")?;
    let slab_view = view(env, slab)?;
    let slot = slot_size(env, slot, slab_view.size)?;
    let slots = slab_view.size / slot;
    let max = (pairs.len() / 2)
        .min(lengths.len())
        .min(results.len())
        .min(slots);
    let count = count_in(env, count, "count", max)?;
    let slab = byte_range(env, slab_view, 0.0, (count * slot) as f64)?;
    apart(env, &[Span::of(results), Span::of(pairs)])?;
    apart(env, &[Span::of(results), Span::of(lengths)])?;
    apart(env, &[Span::of(results), Span::of(slab)])?;
    let complete = io::write_slots(
        &pairs[..2 * count],
        &lengths[..count],
        slab,
        slot,
        &mut results[..count],
    );
    Ok(complete as i32)
}

unsafe extern "C" fn write_many_cb(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: called by Node-API with this call's env and info.
    unsafe { run(env, info, write_many) }
}

unsafe extern "C" fn poll_read_cb(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: as above.
    unsafe { run(env, info, poll_read) }
}

unsafe extern "C" fn write_slots_cb(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: as above.
    unsafe { run(env, info, write_slots) }
}
