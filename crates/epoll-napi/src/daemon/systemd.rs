//! systemd's socket activation (`listenFds`) and readiness notification (`notify`). The TypeScript
//! layer reads (and afterwards unsets) the environment and passes the values in.

use epoll_core::daemon;
use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue, Result};
use napi_derive::napi;

use crate::{convert, errors};

/// One fd passed by systemd, with its `FileDescriptorName=`.
#[napi(object)]
pub struct ListenFd {
    pub fd: i32,
    pub name: String,
}

/// `sd_listen_fds` over the values of `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` (the caller
/// reads and then unsets them).
#[napi(
    catch_unwind,
    ts_args_type = "listenPid?: string | undefined | null, listenFds?: string | undefined | null, listenFdnames?: string | undefined | null"
)]
pub fn listen_fds(
    env: Env,
    listen_pid: Option<Unknown<'_>>,
    listen_fds: Option<Unknown<'_>>,
    listen_fdnames: Option<Unknown<'_>>,
) -> Result<Vec<ListenFd>> {
    let text = |name: &str, value: Option<Unknown<'_>>| match value {
        Some(value) => convert::optional_string(&env, name, value.raw()),
        None => Ok(None),
    };
    let listen_pid = text("listenPid", listen_pid)?;
    let listen_fds = text("listenFds", listen_fds)?;
    let listen_fdnames = text("listenFdnames", listen_fdnames)?;
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
#[napi(catch_unwind, ts_args_type = "socket: string, state: string")]
pub fn notify(env: Env, socket: Unknown<'_>, state: Unknown<'_>) -> Result<()> {
    let socket = convert::string(&env, "socket", socket.raw())?;
    let state = convert::string(&env, "state", state.raw())?;
    daemon::notify(socket.as_bytes(), state.as_bytes()).map_err(|e| errors::os(&env, e))
}
