//! Batches of datagrams: `recvMessages` (`recvmmsg`) and `sendMessages` (`sendmmsg`) over the slab,
//! metadata and address slots of a TypeScript `MessageBatch`, seen in place.

use std::cell::RefCell;

use epoll_core::net::{MessageScratch, Slots};
use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue, Result};
use napi_derive::napi;

use crate::convert::{self, apart, Span};
use crate::errors::or_would_block;

thread_local! {
    /// The header arrays of `recvMessages`/`sendMessages`, one per JavaScript thread.
    static SCRATCH: RefCell<MessageScratch> = RefCell::default();
}

/// `recvmmsg`: datagrams received into slots `start .. start + count`, or -1 when none is queued.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, data: Uint8Array, slotSize: number, meta: Int32Array, addresses: Uint8Array | null, start: number, count: number"
)]
#[allow(clippy::too_many_arguments)] // the slab, its metadata and the slot range
pub fn recv_messages(
    env: Env,
    fd: f64,
    data: Unknown<'_>,
    slot_size: f64,
    meta: Unknown<'_>,
    addresses: Option<Unknown<'_>>,
    start: f64,
    count: f64,
) -> Result<i32> {
    let b = batch(&env, fd, data, slot_size, meta, addresses, start, count)?;
    let got = SCRATCH
        .with_borrow_mut(|scratch| scratch.receive(b.fd, b.data, b.meta, b.addresses, &b.slots));
    // How many datagrams were received, or -1 when none was queued.
    or_would_block(&env, got)
}

/// `sendmmsg`: datagrams sent from slots `start .. start + count`, or -1 when the buffer is full.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, data: Uint8Array, slotSize: number, meta: Int32Array, addresses: Uint8Array | null, start: number, count: number"
)]
#[allow(clippy::too_many_arguments)] // as recv_messages
pub fn send_messages(
    env: Env,
    fd: f64,
    data: Unknown<'_>,
    slot_size: f64,
    meta: Unknown<'_>,
    addresses: Option<Unknown<'_>>,
    start: f64,
    count: f64,
) -> Result<i32> {
    let b = batch(&env, fd, data, slot_size, meta, addresses, start, count)?;
    let sent = SCRATCH.with_borrow_mut(|scratch| {
        scratch.send(b.fd, b.data, b.meta, b.addresses.as_deref(), &b.slots)
    });
    or_would_block(&env, sent)
}

/// The fd, slab, metadata, addresses and slot range of a batch call, seen in place.
struct Batch<'a> {
    fd: i32,
    data: &'a mut [u8],
    meta: &'a mut [i32],
    addresses: Option<&'a mut [u8]>,
    slots: Slots,
}

fn unsigned(env: &Env, name: &str, value: f64) -> Result<usize> {
    Ok(convert::integer_in(env, name, value, 0.0, f64::from(u32::MAX))? as usize)
}

#[allow(clippy::too_many_arguments)] // as recv_messages
fn batch<'a>(
    env: &Env,
    fd: f64,
    data: Unknown<'a>,
    slot_size: f64,
    meta: Unknown<'a>,
    addresses: Option<Unknown<'a>>,
    start: f64,
    count: f64,
) -> Result<Batch<'a>> {
    let fd = convert::fd(env, "fd", fd)?;
    let data = convert::bytes(env, "data", data.raw())?;
    let meta = convert::typed::<i32>(env, "meta", meta.raw())?;
    let addresses = match addresses {
        Some(value) => Some(convert::bytes(env, "addresses", value.raw())?),
        None => None,
    };
    let mut spans = vec![Span::of("data", data), Span::of("meta", meta)];
    if let Some(names) = addresses.as_deref() {
        spans.push(Span::of("addresses", names));
    }
    apart(env, &spans)?;
    Ok(Batch {
        fd,
        data,
        meta,
        addresses,
        slots: Slots {
            slot: unsigned(env, "slotSize", slot_size)?,
            start: unsigned(env, "start", start)?,
            count: unsigned(env, "count", count)?,
        },
    })
}
