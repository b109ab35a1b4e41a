//! The kernel counters epoll watches: `eventfd` and `timerfd`, and re-arming a timer (`setTimer`).

use epoll_core::fd;
use napi::{Env, Result};
use napi_derive::napi;

use crate::convert;
use crate::errors::{self, Outcome};

#[napi(catch_unwind, ts_args_type = "initial: number, semaphore: boolean")]
pub fn eventfd(env: Env, initial: f64, semaphore: bool) -> Result<i32> {
    // An `f64` through the kit, not napi's `u32`, which would wrap `-1` and `2 ** 40`.
    let initial = convert::integer_in(&env, "initial", initial, 0.0, f64::from(u32::MAX))? as u32;
    fd::eventfd(initial, semaphore)
        .map(Outcome::into_js)
        .map_err(|e| errors::os(&env, e))
}

#[napi(catch_unwind)]
pub fn timerfd(env: Env, initial: f64, interval: f64) -> Result<i32> {
    let initial = convert::millis(&env, "initial", initial)?;
    let interval = convert::millis(&env, "interval", interval)?;
    fd::timerfd(initial, interval)
        .map(Outcome::into_js)
        .map_err(|e| errors::os(&env, e))
}

/// Re-arms a timerfd, or disarms it when `initial` is null.
#[napi(catch_unwind)]
pub fn set_timer(env: Env, fd: f64, initial: Option<f64>, interval: f64) -> Result<()> {
    let fd = convert::fd(&env, "fd", fd)?;
    let timer = match initial {
        Some(initial) => Some((
            convert::millis(&env, "initial", initial)?,
            convert::millis(&env, "interval", interval)?,
        )),
        None => None,
    };
    fd::set_timer(fd, timer).map_err(|e| errors::os(&env, e))
}
