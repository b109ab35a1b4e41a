//! `setBlocking(fd, blocking)` and `getBlocking(fd)`: the `O_NONBLOCK` flag of any fd.

use epoll_core::fd;
use napi::{Env, Result};
use napi_derive::napi;

use crate::convert;
use crate::errors;

/// Makes `fd` blocking (`true`) or non-blocking (`false`).
#[napi(catch_unwind)]
pub fn set_blocking(env: Env, fd: f64, blocking: bool) -> Result<()> {
    let fd = convert::fd(&env, "fd", fd)?;
    fd::set_blocking(fd, blocking).map_err(|e| errors::os(&env, e))
}

/// `true` when `fd` is blocking (`O_NONBLOCK` clear).
#[napi(catch_unwind)]
pub fn get_blocking(env: Env, fd: f64) -> Result<bool> {
    let fd = convert::fd(&env, "fd", fd)?;
    fd::get_blocking(fd).map_err(|e| errors::os(&env, e))
}
