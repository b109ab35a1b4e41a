//! `pollInto`, the blocking (or non-blocking) poll of an instance, as a hand-made call: it runs once
//! per loop turn of a polling server, so it skips napi-rs's per-call bookkeeping (see `calls.rs`).

use napi::Env;

use crate::convert::{self, Value};
use crate::errors;

/// `pollInto(epoll, out, timeout)`: waits through the instance (its one event buffer, EINTR-proof)
/// and writes the events into the `Uint32Array` as `[fd, events]` pairs; returns how many.
pub fn poll_into(env: &Env, [epoll, out, timeout]: [Value; 3]) -> napi::Result<i32> {
    let epoll = convert::native_epoll(env, epoll)?;
    let out = convert::typed::<u32>(env, "out", out)?;
    let timeout = convert::timeout(env, timeout)?;
    let n = epoll
        .wait_into(out, timeout)
        .map_err(|e| errors::throw(env, e))?;
    // At most MAX_EVENTS_PER_POLL (65,536) events: fits.
    Ok(n as i32)
}
