//! Reads and writes on any fd straight into JavaScript memory: `read` and `write` (hand-made: they
//! run once per event in a server), `readv`, `writev`, `close` and `pipe`.
//!
//! Would-block is the return value -1 (`WOULD_BLOCK`), never an exception.

use std::io::{IoSlice, IoSliceMut};

use epoll_core::fd;
use napi::bindgen_prelude::{Array, JsObjectValue, Unknown};
use napi::{Env, JsValue, Result};
use napi_derive::napi;

use crate::convert::{self, Value};
use crate::errors::{self, invalid_type, or_would_block, out_of_range, Outcome};

/// `read(fd, buffer, offset, length)`: bytes read, 0 at end of file, -1 would block.
pub fn read(env: &Env, args: [Value; 4]) -> Result<i32> {
    transfer(env, args, fd::read)
}

/// `write(fd, buffer, offset, length)`: bytes written, -1 would block.
pub fn write(env: &Env, args: [Value; 4]) -> Result<i32> {
    transfer(env, args, |fd, buf| fd::write(fd, buf))
}

/// The shared body of `read` and `write`: checks `(fd, buffer, offset, length)`, moves the bytes.
fn transfer(
    env: &Env,
    [fd, buffer, offset, length]: [Value; 4],
    syscall: impl FnOnce(i32, &mut [u8]) -> std::result::Result<Option<usize>, epoll_core::OsError>,
) -> Result<i32> {
    let fd = convert::fd_arg(env, fd)?;
    let offset = convert::number(env, "offset", offset)?;
    let length = convert::number(env, "length", length)?;
    let buf = convert::byte_range(env, convert::view(env, "buffer", buffer)?, offset, length)?;
    or_would_block(
        env,
        syscall(fd, buf).map_err(|e| e.with_detail(format!("fd {fd}"))),
    )
}

/// The views of a JavaScript array of `ArrayBufferView`s, at most `IOV_MAX` of them (checked here
/// too: it bounds what this call allocates).
fn views<'a>(env: &Env, buffers: Unknown<'a>) -> Result<Vec<&'a mut [u8]>> {
    if !buffers.is_array()? {
        return Err(invalid_type(env, "buffers", "an instance of Array"));
    }
    // SAFETY: `buffers` was just checked to be an array.
    let list = unsafe { buffers.cast::<Array<'a>>() }?;
    let count = list.len() as usize;
    if count > fd::IOV_MAX {
        let rule = format!("<= {}", fd::IOV_MAX);
        return Err(out_of_range(env, "buffers.length", &rule, count));
    }
    // Every element first, every pointer after: `get_element` can run JavaScript (a getter, a
    // proxy trap) that detaches or frees an element whose pointer was already taken. Taking the
    // pointers runs no JavaScript, so none of them can go stale before the system call.
    let mut items: Vec<Unknown<'a>> = Vec::with_capacity(count);
    for i in 0..count {
        items.push(list.get_element(i as u32)?);
    }
    let mut out = Vec::with_capacity(count);
    for (i, item) in items.into_iter().enumerate() {
        out.push(convert::bytes(env, &format!("buffers[{i}]"), item.raw())?);
    }
    Ok(out)
}

/// Scatter read into several views in order: bytes read, 0 at EOF, -1 would block.
#[napi(catch_unwind, ts_args_type = "fd: number, buffers: ArrayBufferView[]")]
pub fn readv(env: Env, fd: Unknown<'_>, buffers: Unknown<'_>) -> Result<i32> {
    let fd = convert::fd_arg(&env, fd.raw())?;
    let mut views = views(&env, buffers)?;
    // A `readv` into no bytes at all would return 0, which means end of file: refused, as `read`
    // of a length of 0 is refused by the TypeScript layer.
    if views.iter().all(|v| v.is_empty()) {
        return Err(out_of_range(
            &env,
            "buffers",
            "views of at least one byte",
            "0 bytes",
        ));
    }
    let mut slices: Vec<IoSliceMut<'_>> = views.iter_mut().map(|v| IoSliceMut::new(v)).collect();
    let read = fd::readv(fd, &mut slices).map_err(|e| e.with_detail(format!("fd {fd}")));
    or_would_block(&env, read)
}

/// Gather write of several views in order: bytes written (possibly a prefix), -1 would block.
#[napi(catch_unwind, ts_args_type = "fd: number, buffers: ArrayBufferView[]")]
pub fn writev(env: Env, fd: Unknown<'_>, buffers: Unknown<'_>) -> Result<i32> {
    let fd = convert::fd_arg(&env, fd.raw())?;
    let views = views(&env, buffers)?;
    let slices: Vec<IoSlice<'_>> = views.iter().map(|v| IoSlice::new(v)).collect();
    let written = fd::writev(fd, &slices).map_err(|e| e.with_detail(format!("fd {fd}")));
    or_would_block(&env, written)
}

#[napi(catch_unwind, ts_args_type = "fd: number")]
pub fn close(env: Env, fd: Unknown<'_>) -> Result<()> {
    let fd = convert::fd_arg(&env, fd.raw())?;
    fd::close(fd).map_err(|e| errors::os(&env, e))
}

/// `[readFd, writeFd]`, non-blocking unless `nonBlocking` is `false`.
#[napi(catch_unwind, ts_return_type = "[number, number]")]
pub fn pipe(env: Env, non_blocking: Option<bool>) -> Result<Vec<i32>> {
    let (r, w) = fd::pipe_with(non_blocking.unwrap_or(true)).map_err(|e| errors::os(&env, e))?;
    Ok(vec![r.into_js(), w.into_js()])
}
