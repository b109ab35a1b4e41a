//! systemd's socket activation (`listenFds`) and readiness notification (`notify`). The TypeScript
//! layer reads (and afterwards unsets) the environment and passes the values in.

use epoll_core::daemon;
use napi::{Env, Result};
use napi_derive::napi;

use crate::errors;

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
    daemon::listen_fds(
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
    .map_err(|e| errors::os(&env, e))
}

/// `sd_notify` to `socket` (the value of `$NOTIFY_SOCKET`).
#[napi(catch_unwind)]
pub fn notify(env: Env, socket: String, state: String) -> Result<()> {
    daemon::notify(socket.as_bytes(), state.as_bytes()).map_err(|e| errors::os(&env, e))
}
