//! A stream's read turn (`openStream`), hand-made like the other hot calls (`calls.rs`): everything
//! an fd has now, up to a budget, read in one crossing: bytes packed one after the other
//! (`readBurst`) or whole messages, each with its length (`readMessages`). Why the turn stopped goes
//! into `state[0]` (the core's `Stop`: 0 would block, 1 budget used, 2 end of file, 3 error next).
//!
//! The TypeScript layer (`lib/io/stream-read.ts`) owns the buffers and checks its own arguments;
//! here only what memory safety needs: views, ranges inside them, and arrays that do not overlap.

use epoll_core::fd;
use napi::Env;

use crate::convert::{self, apart, Span, Value};
use crate::errors::{self, out_of_range};

/// The bytes `buffer[offset, offset + length)` as a slice the call may fill.
fn room<'a>(env: &Env, buffer: Value, offset: Value, length: Value) -> napi::Result<&'a mut [u8]> {
    let offset = convert::number(env, "offset", offset)?;
    let length = convert::number(env, "length", length)?;
    convert::byte_range(env, convert::view(env, "buffer", buffer)?, offset, length)
}

/// A byte count from 0 up to `max`.
fn size(env: &Env, name: &str, value: Value, max: usize) -> napi::Result<usize> {
    let n = convert::number(env, name, value)?;
    Ok(convert::integer_in(env, name, n, 0.0, max as f64)? as usize)
}

/// The one-element state array the turn's stop reason goes into.
fn state<'a>(env: &Env, value: Value) -> napi::Result<&'a mut [i32]> {
    let state = convert::typed::<i32>(env, "state", value)?;
    if state.is_empty() {
        return Err(out_of_range(env, "state.length", ">= 1", 0));
    }
    Ok(state)
}

/// `readBurst(fd, buffer, offset, length, minRead, shortDrains, state)`: bytes read into
/// `buffer[offset..]`; `shortDrains` 1 for fds whose short read means empty (stream sockets, pipes).
pub fn read_burst(
    env: &Env,
    [fd, buffer, offset, length, min_read, short_drains, state_array]: [Value; 7],
) -> napi::Result<i32> {
    let fd = convert::fd_arg(env, fd)?;
    let buf = room(env, buffer, offset, length)?;
    let min_read = size(env, "minRead", min_read, buf.len())?;
    let short_drains = convert::number(env, "shortDrains", short_drains)? != 0.0;
    let state = state(env, state_array)?;
    apart(env, &[Span::of("buffer", buf), Span::of("state", state)])?;
    let turn = fd::read_burst(fd, buf, min_read, short_drains)
        .map_err(|e| errors::os(env, e.with_detail(format!("fd {fd}"))))?;
    state[0] = turn.stop as i32;
    Ok(turn.count as i32)
}

/// `readMessages(fd, buffer, offset, length, slotSize, lengths, emptyMessages, state)`: how many
/// messages were read, packed from `buffer[offset]` on, their sizes in `lengths`.
pub fn read_messages(
    env: &Env,
    [fd, buffer, offset, length, slot, lengths, empty, state_array]: [Value; 8],
) -> napi::Result<i32> {
    let fd = convert::fd_arg(env, fd)?;
    let buf = room(env, buffer, offset, length)?;
    let slot = size(env, "slotSize", slot, buf.len())?.max(1);
    let lengths = convert::typed::<i32>(env, "lengths", lengths)?;
    let empty_messages = convert::number(env, "emptyMessages", empty)? != 0.0;
    let state = state(env, state_array)?;
    apart(
        env,
        &[
            Span::of("buffer", buf),
            Span::of("lengths", lengths),
            Span::of("state", state),
        ],
    )?;
    let turn = fd::read_messages(fd, buf, slot, lengths, empty_messages)
        .map_err(|e| errors::os(env, e.with_detail(format!("fd {fd}"))))?;
    state[0] = turn.stop as i32;
    Ok(turn.count as i32)
}
