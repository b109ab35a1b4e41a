//! The batch calls (`writeMany`, `pollRead`, `writeSlots`), hand-made like the other hot calls
//! (`calls.rs`): each moves the bytes of many fds per crossing into native code.
//!
//! The TypeScript wrappers check every argument with Node's messages. Here only what memory safety
//! needs: views and typed arrays of the right kind, counts and slots inside them, and no two arrays
//! that the call writes into (or writes one and reads the other) sharing memory.

use epoll_core::fd;
use napi::Env;

use crate::convert::{self, apart, Span, Value};
use crate::errors::{self, out_of_range};

/// A slot size in bytes: at least 1, at most the slab.
fn slot_size(env: &Env, value: Value, slab: usize) -> napi::Result<usize> {
    let n = convert::number(env, "slotSize", value)?;
    Ok(convert::integer_in(env, "slotSize", n, 1.0, slab.max(1) as f64)? as usize)
}

/// `writeMany(fds, count, results, buffer, offset, length)`: the same bytes to `fds[0..count]`.
pub fn write_many(
    env: &Env,
    [fds, count, results, buffer, offset, length]: [Value; 6],
) -> napi::Result<i32> {
    let fds = convert::typed::<i32>(env, "fds", fds)?;
    let results = convert::typed::<i32>(env, "results", results)?;
    let count = convert::count(env, "count", count, fds.len().min(results.len()))?;
    let offset = convert::number(env, "offset", offset)?;
    let length = convert::number(env, "length", length)?;
    let data = convert::byte_range(env, convert::view(env, "buffer", buffer)?, offset, length)?;
    apart(env, &[Span::of("results", results), Span::of("fds", fds)])?;
    apart(
        env,
        &[Span::of("results", results), Span::of("buffer", data)],
    )?;
    let complete = fd::write_many(&fds[..count], data, &mut results[..count]);
    Ok(complete as i32)
}

/// `pollRead(epoll, events, lengths, slab, slotSize, timeout, skip)`: waits through the instance
/// into `events`, then reads every readable fd into its slot.
pub fn poll_read(
    env: &Env,
    [epoll, events, lengths, slab, slot, wait, skip]: [Value; 7],
) -> napi::Result<i32> {
    let epoll = convert::native_epoll(env, epoll)?;
    let events = convert::typed::<u32>(env, "events", events)?;
    let lengths = convert::typed::<i32>(env, "lengths", lengths)?;
    let slab_view = convert::view(env, "slab", slab)?;
    let slot = slot_size(env, slot, slab_view.len())?;
    let whole_slots = (slab_view.len() / slot) * slot;
    let slab = convert::byte_range(env, slab_view, 0.0, whole_slots as f64)?;
    let timeout = convert::timeout(env, wait)?;
    let skip = if convert::is_nullish(env, skip) {
        None
    } else {
        Some(convert::typed::<u8>(env, "skip", skip)?)
    };
    let capacity = (events.len() / 2).min(lengths.len()).min(slab.len() / slot);
    if capacity == 0 {
        let rule = "large enough for one event, as must lengths and slab";
        return Err(out_of_range(env, "events", rule, "room for 0"));
    }
    let mut spans = vec![
        Span::of("events", events),
        Span::of("lengths", lengths),
        Span::of("slab", slab),
    ];
    if let Some(mask) = skip.as_deref() {
        spans.push(Span::of("skip", mask));
    }
    apart(env, &spans)?;
    let events = &mut events[..2 * capacity];
    let n = epoll
        .wait_into(events, timeout)
        .map_err(|e| errors::throw(env, e))?;
    fd::read_slots(
        &events[..2 * n],
        skip.as_deref(),
        &mut slab[..n * slot],
        slot,
        &mut lengths[..n],
    );
    Ok(n as i32)
}

/// `writeSlots(pairs, count, lengths, slab, slotSize, results)`: slot `i` to the fd of pair `i`.
pub fn write_slots(
    env: &Env,
    [pairs, count, lengths, slab, slot, results]: [Value; 6],
) -> napi::Result<i32> {
    let pairs = convert::typed::<u32>(env, "pairs", pairs)?;
    let lengths = convert::typed::<i32>(env, "lengths", lengths)?;
    let results = convert::typed::<i32>(env, "results", results)?;
    let slab_view = convert::view(env, "slab", slab)?;
    let slot = slot_size(env, slot, slab_view.len())?;
    let slots = slab_view.len() / slot;
    let max = (pairs.len() / 2)
        .min(lengths.len())
        .min(results.len())
        .min(slots);
    let count = convert::count(env, "count", count, max)?;
    let slab = convert::byte_range(env, slab_view, 0.0, (count * slot) as f64)?;
    apart(
        env,
        &[Span::of("results", results), Span::of("pairs", pairs)],
    )?;
    apart(
        env,
        &[Span::of("results", results), Span::of("lengths", lengths)],
    )?;
    apart(env, &[Span::of("results", results), Span::of("slab", slab)])?;
    let complete = fd::write_slots(
        &pairs[..2 * count],
        &lengths[..count],
        slab,
        slot,
        &mut results[..count],
    );
    Ok(complete as i32)
}
