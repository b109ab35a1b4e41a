//! The native half of the Linux daemon helpers (`lib/fdpass.ts`, `lib/ioctl.ts`, `lib/inotify.ts`,
//! `lib/process.ts`, `lib/systemd.ts`): argument conversion and error mapping around the core's
//! `io` functions. The TypeScript side has validated every argument; the checks here are the ones
//! memory safety needs. JavaScript owns every fd returned (as a plain number).

use std::os::fd::{IntoRawFd, OwnedFd};
use std::path::Path;

use epoll_core::io::{self, IOC};
use napi::bindgen_prelude::{JsObjectValue, Object, Unknown};
use napi::{Env, Result};
use napi_derive::napi;

use crate::io::{os, WOULD_BLOCK};
use crate::{args, errors};

fn give(fd: OwnedFd) -> i32 {
    fd.into_raw_fd()
}

/// A request number: unsigned 32-bit, or the negative int32 JavaScript's `|` makes of it.
fn request(env: &Env, value: f64) -> Result<u32> {
    Ok(args::integer_in(env, "request", value, i32::MIN as f64, u32::MAX as f64)? as i64 as u32)
}

/// Sends `data` with `fds` attached (`SCM_RIGHTS`): bytes sent, -1 when the socket is full.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, fds: number[], data: ArrayBufferView"
)]
pub fn send_fds(env: Env, fd: f64, fds: Vec<f64>, data: Unknown<'_>) -> Result<f64> {
    let fd = args::fd(&env, "fd", fd)?;
    let fds = fds
        .iter()
        .enumerate()
        .map(|(i, &f)| args::fd(&env, &format!("fds[{i}]"), f))
        .collect::<Result<Vec<_>>>()?;
    let data = args::bytes(&env, "data", data)?;
    match io::send_fds(fd, &fds, data) {
        Ok(Some(n)) => Ok(n as f64),
        Ok(None) => Ok(WOULD_BLOCK),
        Err(e) => Err(os(&env, e)),
    }
}

/// What `recvFds` read: data bytes (0 at end of stream), the fds, and whether some were dropped.
#[napi(object)]
pub struct ReceivedFds {
    pub bytes: u32,
    pub fds: Vec<i32>,
    pub truncated: bool,
}

/// Receives into `buffer` with room for `maxFds` fds; null when nothing is waiting.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, buffer: ArrayBufferView, maxFds: number"
)]
pub fn recv_fds(
    env: Env,
    fd: f64,
    buffer: Unknown<'_>,
    max_fds: f64,
) -> Result<Option<ReceivedFds>> {
    let fd = args::fd(&env, "fd", fd)?;
    let buf = args::bytes(&env, "buffer", buffer)?;
    let max_fds = args::integer_in(&env, "maxFds", max_fds, 0.0, io::SCM_MAX_FD as f64)? as usize;
    match io::recv_fds(fd, buf, max_fds) {
        Ok(Some(got)) => Ok(Some(ReceivedFds {
            bytes: got.bytes as u32,
            fds: got.fds.into_iter().map(give).collect(),
            truncated: got.truncated,
        })),
        Ok(None) => Ok(None),
        Err(e) => Err(os(&env, e)),
    }
}

/// The process at the other end of a unix socket (`SO_PEERCRED`).
#[napi(object)]
pub struct PeerCredentials {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

#[napi(catch_unwind)]
pub fn peer_credentials(env: Env, fd: f64) -> Result<PeerCredentials> {
    let fd = args::fd(&env, "fd", fd)?;
    let c = io::peer_credentials(fd).map_err(|e| os(&env, e))?;
    Ok(PeerCredentials {
        pid: c.pid,
        uid: c.uid,
        gid: c.gid,
    })
}

/// `ioctl(fd, request, arg)` with an integer argument.
#[napi(catch_unwind)]
pub fn ioctl_value(env: Env, fd: f64, request: f64, arg: f64) -> Result<i32> {
    let fd = args::fd(&env, "fd", fd)?;
    let request = self::request(&env, request)?;
    let arg = args::integer_in(&env, "arg", arg, -(2f64.powi(53)), 2f64.powi(53))? as i64;
    // SAFETY: documented to the user (lib/ioctl.ts): an integer argument is only for requests that
    // take their argument by value; the TypeScript layer passes views through `ioctlBuffer`.
    unsafe { io::ioctl_value(fd, request, arg as libc::c_ulong) }.map_err(|e| os(&env, e))
}

/// `ioctl(fd, request, view)`: the kernel reads and writes the view's bytes.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, request: number, arg: ArrayBufferView"
)]
pub fn ioctl_buffer(env: Env, fd: f64, request: f64, arg: Unknown<'_>) -> Result<i32> {
    let fd = args::fd(&env, "fd", fd)?;
    let request = self::request(&env, request)?;
    let buf = args::bytes(&env, "arg", arg)?;
    // SAFETY: the size the request encodes is checked by the core; beyond that the user vouches
    // for the request (documented in lib/ioctl.ts: no pointer-holding structs), and the core's
    // zero-padded bounce buffer absorbs a struct somewhat larger than the view.
    unsafe { io::ioctl_buffer(fd, request, buf) }.map_err(|e| os(&env, e))
}

/// `_IOC(dir, type, nr, size)` with the target architecture's layout, unsigned.
#[napi(
    catch_unwind,
    ts_args_type = "direction: 'none' | 'read' | 'write' | 'readwrite', type: number, nr: number, size: number"
)]
pub fn ioctl_request(env: Env, direction: String, ty: f64, nr: f64, size: f64) -> Result<f64> {
    let dir = match direction.as_str() {
        "none" => IOC.none,
        "read" => IOC.read,
        "write" => IOC.write,
        "readwrite" => IOC.read | IOC.write,
        _ => {
            return Err(errors::invalid_value(
                &env,
                &format!("The argument 'direction' must be 'none', 'read', 'write' or 'readwrite'. Received '{direction}'"),
            ))
        }
    };
    let ty = args::integer_in(&env, "type", ty, 0.0, 255.0)? as u32;
    let nr = args::integer_in(&env, "nr", nr, 0.0, 255.0)? as u32;
    let size = args::integer_in(&env, "size", size, 0.0, f64::from(IOC.max_size()))? as u32;
    IOC.request(dir, ty, nr, size)
        .map(f64::from)
        .ok_or_else(|| errors::out_of_range(&env, "The ioctl request fields do not fit"))
}

/// `_IOC_SIZE(request)` for a request with a direction, else 0.
#[napi(catch_unwind)]
pub fn ioctl_size(env: Env, request: f64) -> Result<u32> {
    Ok(IOC.size(self::request(&env, request)?) as u32)
}

/// The `_IOC` layout of this build's architecture: `IOC_NONE`, `IOC_WRITE`, `IOC_READ` and the
/// field widths. The TypeScript copy is checked against it.
#[napi(catch_unwind, ts_return_type = "Record<string, number>")]
pub fn ioctl_table(env: &Env) -> Result<Object<'_>> {
    let mut table = Object::new(env)?;
    for (name, value) in [
        ("IOC_NONE", IOC.none),
        ("IOC_WRITE", IOC.write),
        ("IOC_READ", IOC.read),
        ("IOC_NRBITS", IOC.nr_bits),
        ("IOC_TYPEBITS", IOC.type_bits),
        ("IOC_SIZEBITS", IOC.size_bits),
        ("IOC_DIRBITS", IOC.dir_bits),
    ] {
        table.set_named_property(name, value)?;
    }
    Ok(table)
}

/// The kernel's `IN_*` values by name, from the core's table.
#[napi(catch_unwind, ts_return_type = "Record<string, number>")]
pub fn inotify_table(env: &Env) -> Result<Object<'_>> {
    let mut table = Object::new(env)?;
    for (name, value) in io::INOTIFY_FLAGS {
        table.set_named_property(name, value)?;
    }
    Ok(table)
}

#[napi(catch_unwind)]
pub fn inotify(env: Env) -> Result<i32> {
    io::inotify().map(give).map_err(|e| os(&env, e))
}

#[napi(catch_unwind)]
pub fn add_watch(env: Env, fd: f64, path: String, mask: f64) -> Result<i32> {
    let fd = args::fd(&env, "fd", fd)?;
    let mask = args::events(&env, mask)?;
    io::add_watch(fd, Path::new(&path), mask).map_err(|e| os(&env, e))
}

#[napi(catch_unwind)]
pub fn remove_watch(env: Env, fd: f64, wd: f64) -> Result<()> {
    let fd = args::fd(&env, "fd", fd)?;
    let wd = args::integer_in(&env, "wd", wd, 0.0, i32::MAX as f64)? as i32;
    io::remove_watch(fd, wd).map_err(|e| os(&env, e))
}

/// One inotify event; `name` is decoded as UTF-8 (invalid bytes become U+FFFD).
#[napi(object)]
pub struct InotifyEvent {
    pub wd: i32,
    pub mask: u32,
    pub cookie: u32,
    pub name: String,
}

/// The events queued now, null when none is.
#[napi(catch_unwind)]
pub fn read_inotify_events(env: Env, fd: f64) -> Result<Option<Vec<InotifyEvent>>> {
    let fd = args::fd(&env, "fd", fd)?;
    let events = io::read_events(fd).map_err(|e| os(&env, e))?;
    Ok(events.map(|list| {
        list.into_iter()
            .map(|e| InotifyEvent {
                wd: e.wd,
                mask: e.mask,
                cookie: e.cookie,
                name: String::from_utf8_lossy(&e.name).into_owned(),
            })
            .collect()
    }))
}

#[napi(catch_unwind)]
pub fn pidfd_open(env: Env, pid: f64) -> Result<i32> {
    let pid = args::integer_in(&env, "pid", pid, 1.0, i32::MAX as f64)? as i32;
    io::pidfd_open(pid).map(give).map_err(|e| os(&env, e))
}

#[napi(catch_unwind)]
pub fn pidfd_send_signal(env: Env, fd: f64, signal: f64) -> Result<()> {
    let fd = args::fd(&env, "fd", fd)?;
    let signal = args::integer_in(&env, "signal", signal, 0.0, 64.0)? as i32;
    io::pidfd_send_signal(fd, signal).map_err(|e| os(&env, e))
}

/// One fd passed by systemd, with its `FileDescriptorName=`.
#[napi(object)]
pub struct ListenFd {
    pub fd: i32,
    pub name: String,
}

/// `sd_listen_fds` over the values of `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` (the caller
/// reads and then unsets them).
#[napi(catch_unwind)]
pub fn listen_fds(
    env: Env,
    listen_pid: Option<String>,
    listen_fds: Option<String>,
    listen_fdnames: Option<String>,
) -> Result<Vec<ListenFd>> {
    let me = std::process::id() as i32;
    io::listen_fds(
        listen_pid.as_deref(),
        listen_fds.as_deref(),
        listen_fdnames.as_deref(),
        me,
    )
    .map(|fds| {
        fds.into_iter()
            .map(|(fd, name)| ListenFd { fd, name })
            .collect()
    })
    .map_err(|e| os(&env, e))
}

/// `sd_notify` to `socket` (the value of `$NOTIFY_SOCKET`).
#[napi(catch_unwind)]
pub fn notify(env: Env, socket: String, state: String) -> Result<()> {
    io::notify(socket.as_bytes(), state.as_bytes()).map_err(|e| os(&env, e))
}

/// An epoll instance's busy-poll parameters, as `getBusyPoll` returns them.
#[napi(object)]
pub struct BusyPollParams {
    pub usecs: u32,
    pub budget: u32,
    pub prefer: bool,
}
