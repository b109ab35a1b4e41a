//! `ringTurn(ops, opCount, views, names, out, pool, poolOffset, poolRoom, state)`: one turn of the
//! ring in one crossing. The operations queued by the TypeScript layer since the last turn are
//! pushed and submitted with the completions the kernel owes this thread in one `io_uring_enter`;
//! then every completion that fits is written to `out` (6 numbers each: token, result, more,
//! offset, name length, truncated), the bytes of each receive copied into `pool` from `poolOffset`
//! (its `offset` says where; a datagram's sender, its raw `struct sockaddr`, just before them).
//! `state[0]` is 1 when completions were left waiting (out or pool full), else 0. Returns how many
//! completions were written.
//!
//! `ops` holds 3 numbers per operation: kind (1 receive, 2 send, 3 cancel, 4 multishot receive,
//! 5 multishot datagram receive, 6 send to an address), fd, token; a send's bytes are `views[i]`
//! for operation `i`, a send-to's address `names[i]`. The TypeScript layer (`lib/io/ring/`) keeps every sent
//! view referenced until its completion: the kernel reads it until then.

use epoll_core::uring::Op;
use napi::{sys, Env, Status};

use crate::convert::{self, apart, Span, Value};
use crate::errors::{self, out_of_range};

use super::with_ring;

const RECV: i32 = 1;
const SEND: i32 = 2;
const CANCEL: i32 = 3;
const RECV_MULTI: i32 = 4;
const RECVMSG_MULTI: i32 = 5;
const SEND_TO: i32 = 6;
/// Numbers per operation in `ops`, and per completion in `out`.
const OP_STRIDE: usize = 3;
const OUT_STRIDE: usize = 6;

/// Element `i` of the array `views` (named `name` in errors), as the bytes of a view.
fn view_at(env: &Env, name: &str, views: Value, i: usize) -> napi::Result<convert::View> {
    let mut element = std::ptr::null_mut();
    // SAFETY: `views` is a live value of this call (an array: its kind is checked by the element
    // read failing otherwise); `element` is a valid out-pointer.
    let status = unsafe { sys::napi_get_element(env.raw(), views, i as u32, &mut element) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::new(
            Status::PendingException,
            "exception pending",
        ));
    }
    convert::view(env, &format!("{name}[{i}]"), element)
}

/// The memory of a send (its bytes, and a send-to's address), or `None` when a view is no longer
/// one (detached since it was queued): the exception is dropped, and the operation completes
/// with `-EFAULT` instead, so that the other operations of the turn are not lost with it.
fn send_memory(
    env: &Env,
    views: Value,
    names: Option<Value>,
    i: usize,
) -> Option<(convert::View, Option<convert::View>)> {
    let memory = view_at(env, "views", views, i).and_then(|view| match names {
        Some(names) => view_at(env, "names", names, i).map(|name| (view, Some(name))),
        None => Ok((view, None)),
    });
    match memory {
        Ok(memory) => Some(memory),
        Err(_) => {
            let mut exception = std::ptr::null_mut();
            // SAFETY: the failed conversion left its exception pending; `exception` is a valid out-pointer.
            unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut exception) };
            None
        }
    }
}

pub fn ring_turn(
    env: &Env,
    [ops, op_count, views, names, out, pool, pool_offset, pool_room, state]: [Value; 9],
) -> napi::Result<i32> {
    let ops = convert::typed::<i32>(env, "ops", ops)?;
    let op_count = convert::count(env, "opCount", op_count, ops.len() / OP_STRIDE)?;
    let out = convert::typed::<i32>(env, "out", out)?;
    let offset = convert::number(env, "poolOffset", pool_offset)?;
    let room = convert::number(env, "poolRoom", pool_room)?;
    let pool_bytes = convert::byte_range(env, convert::view(env, "pool", pool)?, offset, room)?;
    let state = convert::typed::<i32>(env, "state", state)?;
    if state.is_empty() {
        return Err(out_of_range(env, "state.length", ">= 1", 0));
    }
    apart(
        env,
        &[
            Span::of("ops", ops),
            Span::of("out", out),
            Span::of("pool", pool_bytes),
            Span::of("state", state),
        ],
    )?;
    let base = offset as usize;
    with_ring(|ring| {
        let Some(ring) = ring else {
            return Err(env_error(
                env,
                "ringTurn called on a thread without a ring (ringOpen first)",
            ));
        };
        let mut failed: Vec<u32> = Vec::new();
        for i in 0..op_count {
            let [kind, fd, token] = [ops[i * 3], ops[i * 3 + 1], ops[i * 3 + 2]];
            let token = token as u32;
            let op = match kind {
                RECV => Op::Recv { fd, token },
                SEND => {
                    let Some((view, _)) = send_memory(env, views, None, i) else {
                        failed.push(token);
                        continue;
                    };
                    let len = u32::try_from(view.len()).unwrap_or(u32::MAX);
                    Op::Send {
                        fd,
                        token,
                        data: view.as_ptr(),
                        len,
                    }
                }
                CANCEL => Op::Cancel { token },
                RECV_MULTI => Op::RecvMulti { fd, token },
                RECVMSG_MULTI => Op::RecvMsgMulti { fd, token },
                SEND_TO => {
                    let Some((view, Some(address))) = send_memory(env, views, Some(names), i)
                    else {
                        failed.push(token);
                        continue;
                    };
                    Op::SendTo {
                        fd,
                        token,
                        data: view.as_ptr(),
                        len: u32::try_from(view.len()).unwrap_or(u32::MAX),
                        address: address.as_ptr(),
                        // A sockaddr longer than any family's is cut: the kernel refuses it (EINVAL).
                        address_len: address.len().min(128) as u32,
                    }
                }
                _ => {
                    return Err(out_of_range(
                        env,
                        &format!("ops[{}]", i * 3),
                        "1 to 6",
                        kind,
                    ))
                }
            };
            // SAFETY: a send's view is kept referenced by the TypeScript layer until its
            // completion is reaped (module documentation); receives use the ring's own buffers.
            unsafe { ring.push(op) }.map_err(|e| errors::os(env, e))?;
        }
        ring.submit().map_err(|e| errors::os(env, e))?;
        let mut used = 0usize;
        let mut written = 0usize;
        // Room is kept for the operations that failed before reaching the kernel.
        let max = (out.len() / OUT_STRIDE).saturating_sub(failed.len());
        let (_, waiting) = ring.reap(max, pool_bytes.len(), |c| {
            let at = written * OUT_STRIDE;
            out[at] = c.token as i32;
            out[at + 1] = c.result;
            out[at + 2] = i32::from(c.more);
            let name = c.name.unwrap_or_default();
            pool_bytes[used..used + name.len()].copy_from_slice(name);
            used += name.len();
            out[at + 3] = match c.data {
                Some(data) => {
                    pool_bytes[used..used + data.len()].copy_from_slice(data);
                    used += data.len();
                    (base + used - data.len()) as i32
                }
                None => -1,
            };
            out[at + 4] = name.len() as i32;
            out[at + 5] = i32::from(c.truncated);
            written += 1;
        });
        for token in failed.into_iter().take(out.len() / OUT_STRIDE - written) {
            let at = written * OUT_STRIDE;
            out[at..at + OUT_STRIDE].copy_from_slice(&[token as i32, -libc::EFAULT, 0, -1, 0, 0]);
            written += 1;
        }
        state[0] = i32::from(waiting);
        Ok(written as i32)
    })
}

fn env_error(env: &Env, message: &str) -> napi::Error {
    let thrown = env.throw_error(message, Some("ERR_EPOLL_NO_RING"));
    match thrown {
        Ok(()) => napi::Error::new(Status::PendingException, "exception pending"),
        Err(e) => e,
    }
}
