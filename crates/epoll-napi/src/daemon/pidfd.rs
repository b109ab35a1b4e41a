//! Process fds: `pidfdOpen` (readable when the process exits) and `pidfdSendSignal`.

use epoll_core::daemon;
use napi::{Env, Result};
use napi_derive::napi;

use crate::convert;
use crate::errors::{self, Outcome};

#[napi(catch_unwind)]
pub fn pidfd_open(env: Env, pid: f64) -> Result<i32> {
    let pid = convert::integer_in(&env, "pid", pid, 1.0, f64::from(i32::MAX))? as i32;
    daemon::pidfd_open(pid)
        .map(Outcome::into_js)
        .map_err(|e| errors::os(&env, e))
}

#[napi(catch_unwind)]
pub fn pidfd_send_signal(env: Env, fd: f64, signal: f64) -> Result<()> {
    let fd = convert::fd(&env, "fd", fd)?;
    let signal = convert::integer_in(&env, "signal", signal, 0.0, 64.0)? as i32;
    daemon::pidfd_send_signal(fd, signal).map_err(|e| errors::os(&env, e))
}
