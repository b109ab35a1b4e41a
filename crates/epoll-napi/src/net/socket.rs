//! The native half of `lib/sockets.ts`: sockets of any family, datagrams, batches and options.
//! Arguments arrive validated by the TypeScript layer; this file converts them (checking only what
//! memory safety needs: byte ranges and view kinds), calls `epoll_core::io` and maps its errors.
//!
//! An address crosses as three arguments, `(text, port, raw)`: a raw `struct sockaddr` in `raw`, or
//! a unix path in `text` with `port` -1, or an IP literal in `text` with its `port`.

use std::net::{IpAddr, SocketAddr};
use std::os::fd::{IntoRawFd, OwnedFd};

use epoll_core::io::{self, AnyAddress, MessageScratch, Slots, SockAddr};
use napi::bindgen_prelude::{Either, JsObjectValue, Object, Uint8Array, Unknown};
use napi::{Env, Result};
use napi_derive::napi;

use crate::io::{os, SocketAddress, WOULD_BLOCK};
use crate::{args, errors};

thread_local! {
    /// The header arrays of `recvMessages`/`sendMessages`, one per JavaScript thread.
    static SCRATCH: std::cell::RefCell<MessageScratch> = std::cell::RefCell::default();
}

fn give(fd: OwnedFd) -> i32 {
    fd.into_raw_fd()
}

/// A decoded address, or the raw bytes of a family the package does not decode.
type Address = Either<SocketAddress, Uint8Array>;

fn to_js(addr: AnyAddress) -> Address {
    match addr {
        AnyAddress::Known(known) => Either::A(known.into()),
        AnyAddress::Raw(bytes) => Either::B(Uint8Array::new(bytes)),
    }
}

fn ip(env: &Env, host: &str, port: f64) -> Result<SocketAddr> {
    let port = args::integer_in(env, "port", port, 0.0, 65535.0)? as u16;
    match host.parse::<IpAddr>() {
        Ok(addr) => Ok(SocketAddr::new(addr, port)),
        Err(_) => Err(errors::invalid_value(
            env,
            &format!("The argument 'host' must be an IP address literal. Received '{host}'"),
        )),
    }
}

fn address(
    env: &Env,
    text: Option<String>,
    port: f64,
    raw: Option<Unknown<'_>>,
    syscall: &'static str,
) -> Result<SockAddr> {
    if let Some(raw) = raw {
        return SockAddr::raw(args::bytes(env, "address", raw)?, syscall).map_err(|e| os(env, e));
    }
    let text = text.unwrap_or_default();
    if port == -1.0 {
        SockAddr::unix(text.as_bytes(), syscall).map_err(|e| os(env, e))
    } else {
        Ok(SockAddr::inet(ip(env, &text, port)?))
    }
}

fn int(env: &Env, name: &str, value: f64) -> Result<i32> {
    Ok(args::integer_in(env, name, value, i32::MIN as f64, i32::MAX as f64)? as i32)
}

fn unsigned(env: &Env, name: &str, value: f64) -> Result<usize> {
    Ok(args::integer_in(env, name, value, 0.0, u32::MAX as f64)? as usize)
}

/// `socket(2)`: any family, type and protocol; returns the fd.
#[napi(catch_unwind)]
pub fn socket(env: Env, family: f64, kind: f64, protocol: f64) -> Result<i32> {
    let (family, kind, protocol) = (
        int(&env, "family", family)?,
        int(&env, "type", kind)?,
        int(&env, "protocol", protocol)?,
    );
    io::socket(family, kind, protocol)
        .map(give)
        .map_err(|e| os(&env, e))
}

#[napi(
    catch_unwind,
    ts_args_type = "fd: number, text: string | null, port: number, raw: Uint8Array | null"
)]
pub fn bind(
    env: Env,
    fd: f64,
    text: Option<String>,
    port: f64,
    raw: Option<Unknown<'_>>,
) -> Result<()> {
    let fd = args::fd(&env, "fd", fd)?;
    let addr = address(&env, text, port, raw, "bind")?;
    io::bind(fd, &addr).map_err(|e| os(&env, e))
}

/// Non-blocking connect: true when connected at once, false when in progress.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, text: string | null, port: number, raw: Uint8Array | null"
)]
pub fn connect(
    env: Env,
    fd: f64,
    text: Option<String>,
    port: f64,
    raw: Option<Unknown<'_>>,
) -> Result<bool> {
    let fd = args::fd(&env, "fd", fd)?;
    let addr = address(&env, text, port, raw, "connect")?;
    io::connect(fd, &addr).map_err(|e| os(&env, e))
}

#[napi(catch_unwind)]
pub fn listen(env: Env, fd: f64, backlog: f64) -> Result<()> {
    let fd = args::fd(&env, "fd", fd)?;
    let backlog = args::integer_in(&env, "backlog", backlog, 0.0, i32::MAX as f64)? as i32;
    io::listen(fd, backlog).map_err(|e| os(&env, e))
}

/// A bound UDP socket; `ipv6_only` is -1 (system default), 0 or 1.
#[napi(catch_unwind)]
pub fn listen_udp(
    env: Env,
    port: f64,
    host: String,
    reuse_port: bool,
    ipv6_only: i32,
) -> Result<i32> {
    let addr = ip(&env, &host, port)?;
    let only = (ipv6_only >= 0).then_some(ipv6_only == 1);
    io::listen_udp(addr, reuse_port, only)
        .map(give)
        .map_err(|e| os(&env, e))
}

/// Two connected unix sockets of type `kind` (`SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_SEQPACKET`).
#[napi(catch_unwind, ts_return_type = "[number, number]")]
pub fn socketpair_of(env: Env, kind: f64) -> Result<Vec<i32>> {
    let (a, b) = io::socketpair_of(int(&env, "type", kind)?).map_err(|e| os(&env, e))?;
    Ok(vec![give(a), give(b)])
}

/// One datagram: bytes sent, or -1 when the send buffer is full.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, buffer: ArrayBufferView, offset: number, length: number, text: string | null, port: number, raw: Uint8Array | null"
)]
#[allow(clippy::too_many_arguments)] // the buffer range and the three parts of an address
pub fn send_to(
    env: Env,
    fd: f64,
    buffer: Unknown<'_>,
    offset: f64,
    length: f64,
    text: Option<String>,
    port: f64,
    raw: Option<Unknown<'_>>,
) -> Result<f64> {
    let fd = args::fd(&env, "fd", fd)?;
    let bytes = args::byte_range(&env, "buffer", buffer, offset, length)?;
    let to = match (&text, &raw) {
        (None, None) => None,
        _ => Some(address(&env, text, port, raw, "sendto")?),
    };
    match io::send_to(fd, bytes, to.as_ref()) {
        Ok(Some(n)) => Ok(n as f64),
        Ok(None) => Ok(WOULD_BLOCK),
        Err(e) => Err(os(&env, e)),
    }
}

/// One received datagram.
#[napi(object)]
pub struct Received {
    /// Bytes written into the buffer.
    pub bytes: u32,
    /// The sender: decoded, or the raw `struct sockaddr` of another family.
    #[napi(ts_type = "SocketAddress | Uint8Array")]
    pub address: Address,
    /// The datagram did not fit and the rest of it was discarded.
    pub truncated: bool,
}

/// One datagram into `buffer[offset .. offset + length]`, or null when nothing is queued.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, buffer: ArrayBufferView, offset: number, length: number"
)]
pub fn recv_from(
    env: Env,
    fd: f64,
    buffer: Unknown<'_>,
    offset: f64,
    length: f64,
) -> Result<Option<Received>> {
    let fd = args::fd(&env, "fd", fd)?;
    let bytes = args::byte_range(&env, "buffer", buffer, offset, length)?;
    match io::recv_from(fd, bytes) {
        Ok(Some(got)) => Ok(Some(Received {
            bytes: got.bytes as u32,
            address: to_js(got.from),
            truncated: got.truncated,
        })),
        Ok(None) => Ok(None),
        Err(e) => Err(os(&env, e)),
    }
}

pub(crate) fn int32_array<'a>(env: &Env, name: &str, value: Unknown<'a>) -> Result<&'a mut [i32]> {
    let bytes = args::bytes(env, name, value)?;
    if bytes.is_empty() {
        return Ok(&mut []);
    }
    if bytes.as_ptr().align_offset(std::mem::align_of::<i32>()) != 0 {
        return Err(errors::invalid_type(
            env,
            &format!("The \"{name}\" argument must be an aligned Int32Array."),
        ));
    }
    // SAFETY: the view's bytes are aligned for i32 (checked above), alive and unaliased for this
    // native call; the slice covers whole i32s within them.
    Ok(
        unsafe {
            std::slice::from_raw_parts_mut(bytes.as_mut_ptr().cast::<i32>(), bytes.len() / 4)
        },
    )
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
) -> Result<f64> {
    let b = batch(&env, fd, data, slot_size, meta, addresses, start, count)?;
    let got = SCRATCH
        .with_borrow_mut(|scratch| scratch.receive(b.fd, b.data, b.meta, b.addresses, &b.slots));
    datagrams(&env, got)
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
) -> Result<f64> {
    let b = batch(&env, fd, data, slot_size, meta, addresses, start, count)?;
    let sent = SCRATCH.with_borrow_mut(|scratch| {
        scratch.send(b.fd, b.data, b.meta, b.addresses.as_deref(), &b.slots)
    });
    datagrams(&env, sent)
}

/// The fd, slab, metadata, addresses and slot range of a batch call, seen in place.
struct Batch<'a> {
    fd: i32,
    data: &'a mut [u8],
    meta: &'a mut [i32],
    addresses: Option<&'a mut [u8]>,
    slots: Slots,
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
    Ok(Batch {
        fd: args::fd(env, "fd", fd)?,
        data: args::bytes(env, "data", data)?,
        meta: int32_array(env, "meta", meta)?,
        addresses: match addresses {
            Some(value) => Some(args::bytes(env, "addresses", value)?),
            None => None,
        },
        slots: Slots {
            slot: unsigned(env, "slotSize", slot_size)?,
            start: unsigned(env, "start", start)?,
            count: unsigned(env, "count", count)?,
        },
    })
}

/// How many datagrams a batch call moved, or -1 when it would block.
fn datagrams(
    env: &Env,
    moved: std::result::Result<Option<usize>, epoll_core::OsError>,
) -> Result<f64> {
    match moved {
        Ok(Some(n)) => Ok(n as f64),
        Ok(None) => Ok(WOULD_BLOCK),
        Err(e) => Err(os(env, e)),
    }
}

/// Writes an address into `into[offset ..]` as a raw `struct sockaddr`; returns its length.
#[napi(
    catch_unwind,
    ts_args_type = "into: Uint8Array, offset: number, text: string | null, port: number, raw: Uint8Array | null"
)]
pub fn encode_address(
    env: Env,
    into: Unknown<'_>,
    offset: f64,
    text: Option<String>,
    port: f64,
    raw: Option<Unknown<'_>>,
) -> Result<u32> {
    let addr = address(&env, text, port, raw, "sendmmsg")?;
    let bytes = addr.to_bytes();
    let out = args::byte_range(&env, "into", into, offset, bytes.len() as f64)?;
    out.copy_from_slice(&bytes);
    Ok(bytes.len() as u32)
}

/// Decodes a raw `struct sockaddr` (a batch's address slot).
#[napi(
    catch_unwind,
    ts_args_type = "bytes: ArrayBufferView, offset: number, length: number",
    ts_return_type = "SocketAddress | Uint8Array"
)]
pub fn decode_address(env: Env, bytes: Unknown<'_>, offset: f64, length: f64) -> Result<Address> {
    let bytes = args::byte_range(&env, "bytes", bytes, offset, length)?;
    Ok(to_js(io::decode_address(bytes)))
}

#[napi(catch_unwind, ts_return_type = "SocketAddress | Uint8Array")]
pub fn local_address_any(env: Env, fd: f64) -> Result<Address> {
    let fd = args::fd(&env, "fd", fd)?;
    io::local_address_any(fd)
        .map(to_js)
        .map_err(|e| os(&env, e))
}

#[napi(catch_unwind, ts_return_type = "SocketAddress | Uint8Array")]
pub fn remote_address_any(env: Env, fd: f64) -> Result<Address> {
    let fd = args::fd(&env, "fd", fd)?;
    io::remote_address_any(fd)
        .map(to_js)
        .map_err(|e| os(&env, e))
}

#[napi(catch_unwind)]
pub fn set_socket_option_int(env: Env, fd: f64, level: f64, name: f64, value: f64) -> Result<()> {
    let fd = args::fd(&env, "fd", fd)?;
    let (level, name, value) = (
        int(&env, "level", level)?,
        int(&env, "name", name)?,
        int(&env, "value", value)?,
    );
    io::set_int(fd, level, name, value).map_err(|e| os(&env, e))
}

#[napi(
    catch_unwind,
    ts_args_type = "fd: number, level: number, name: number, value: ArrayBufferView"
)]
pub fn set_socket_option_bytes(
    env: Env,
    fd: f64,
    level: f64,
    name: f64,
    value: Unknown<'_>,
) -> Result<()> {
    let fd = args::fd(&env, "fd", fd)?;
    let (level, name) = (int(&env, "level", level)?, int(&env, "name", name)?);
    let value = args::bytes(&env, "value", value)?;
    io::set_option(fd, level, name, value).map_err(|e| os(&env, e))
}

#[napi(catch_unwind)]
pub fn get_socket_option_int(env: Env, fd: f64, level: f64, name: f64) -> Result<i32> {
    let fd = args::fd(&env, "fd", fd)?;
    let (level, name) = (int(&env, "level", level)?, int(&env, "name", name)?);
    io::get_int(fd, level, name).map_err(|e| os(&env, e))
}

/// The option's bytes into `into`; returns how many the kernel wrote.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, level: number, name: number, into: ArrayBufferView"
)]
pub fn get_socket_option_bytes(
    env: Env,
    fd: f64,
    level: f64,
    name: f64,
    into: Unknown<'_>,
) -> Result<u32> {
    let fd = args::fd(&env, "fd", fd)?;
    let (level, name) = (int(&env, "level", level)?, int(&env, "name", name)?);
    let into = args::bytes(&env, "into", into)?;
    io::get_option(fd, level, name, into)
        .map(|n| n as u32)
        .map_err(|e| os(&env, e))
}

/// Joins (`add`) or leaves a multicast group. The interface is an IPv4 address for IPv4 groups, an
/// interface name for IPv6 groups.
#[napi(catch_unwind)]
pub fn membership(
    env: Env,
    fd: f64,
    group: String,
    interface: Option<String>,
    add: bool,
) -> Result<()> {
    let fd = args::fd(&env, "fd", fd)?;
    let group: IpAddr = group.parse().map_err(|_| {
        errors::invalid_value(
            &env,
            &format!("The argument 'group' must be an IP address literal. Received '{group}'"),
        )
    })?;
    let how = if add {
        io::Membership::Add
    } else {
        io::Membership::Drop
    };
    let (local, index) = match (group, interface) {
        (_, None) => (None, 0),
        (IpAddr::V4(_), Some(text)) => (
            Some(text.parse::<IpAddr>().map_err(|_| {
                errors::invalid_value(&env, &format!("The argument 'multicastInterface' must be an IPv4 address. Received '{text}'"))
            })?),
            0,
        ),
        (IpAddr::V6(_), Some(name)) => (None, io::interface_index(&name).map_err(|e| os(&env, e))?),
    };
    io::membership(fd, group, local, index, how).map_err(|e| os(&env, e))
}

/// The kernel's socket constants by name, straight from the core's table (`SOCKET_CONSTANTS`).
#[napi(catch_unwind, ts_return_type = "Record<string, number>")]
pub fn socket_constant_table(env: &Env) -> Result<Object<'_>> {
    let mut table = Object::new(env)?;
    for (name, value) in io::SOCKET_CONSTANTS {
        table.set_named_property(name, *value)?;
    }
    Ok(table)
}
