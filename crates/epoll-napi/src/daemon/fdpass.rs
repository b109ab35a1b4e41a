//! Passing fds over unix sockets (`sendFds`, `recvFds`) and asking who is on the other end
//! (`peerCredentials`). JavaScript owns every fd received (as a plain number).

use epoll_core::daemon;
use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue, Result};
use napi_derive::napi;

use crate::convert;
use crate::errors::{self, or_would_block, Outcome};

/// Sends `data` with `fds` attached (`SCM_RIGHTS`): bytes sent, -1 when the socket is full.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, fds: number[], data: ArrayBufferView"
)]
pub fn send_fds(env: Env, fd: f64, fds: Unknown<'_>, data: Unknown<'_>) -> Result<i32> {
    let fd = convert::fd(&env, "fd", fd)?;
    // Not napi-rs's `Vec<f64>`: it allocates by the array's length before looking at any element.
    let fds = convert::fd_list(&env, "fds", fds.raw(), daemon::SCM_MAX_FD)?;
    let data = convert::bytes(&env, "data", data.raw())?;
    or_would_block(&env, daemon::send_fds(fd, &fds, data))
}

/// What `recvFds` read: data bytes (0 at end of stream), the fds, whether data was cut off
/// (`MSG_TRUNC`) and whether fds were dropped (`MSG_CTRUNC`, or more than `maxFds`).
#[napi(object)]
pub struct ReceivedFds {
    pub bytes: u32,
    pub fds: Vec<i32>,
    pub truncated: bool,
    pub fds_truncated: bool,
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
    let fd = convert::fd(&env, "fd", fd)?;
    let buf = convert::bytes(&env, "buffer", buffer.raw())?;
    let max = daemon::SCM_MAX_FD as f64;
    let max_fds = convert::integer_in(&env, "maxFds", max_fds, 0.0, max)? as usize;
    match daemon::recv_fds(fd, buf, max_fds) {
        Ok(Some(got)) => Ok(Some(ReceivedFds {
            bytes: got.bytes as u32,
            fds: got.fds.into_iter().map(Outcome::into_js).collect(),
            truncated: got.truncated,
            fds_truncated: got.fds_truncated,
        })),
        Ok(None) => Ok(None),
        Err(e) => Err(errors::os(&env, e)),
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
    let fd = convert::fd(&env, "fd", fd)?;
    let c = daemon::peer_credentials(fd).map_err(|e| errors::os(&env, e))?;
    Ok(PeerCredentials {
        pid: c.pid,
        uid: c.uid,
        gid: c.gid,
    })
}
