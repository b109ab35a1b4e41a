//! `constantTables()`: every constant family of the core, by name, from the one table at its
//! source (`epoll_core::FLAGS`, `net::SOCKET_CONSTANTS`, `daemon::INOTIFY_FLAGS`,
//! `daemon::IOCTL_CONSTANTS`, `ERRNO_NAMES`, `LIMITS`). The TypeScript copies (which must load where the binding
//! does not) are checked against every entry of these tables by one spec.

use epoll_core::{daemon, net};
use napi::bindgen_prelude::{JsObjectValue, Object};
use napi::{Env, Result};
use napi_derive::napi;

/// One `Record<string, number>` from `(name, value)` pairs.
fn table<'env, V: Copy + Into<f64>>(env: &'env Env, pairs: &[(&str, V)]) -> Result<Object<'env>> {
    let mut object = Object::new(env)?;
    for &(name, value) in pairs {
        object.set_named_property(name, value.into())?;
    }
    Ok(object)
}

/// The core's constant tables: `epoll` (`EPOLL*`), `socket` (`AF_*`, `SOCK_*`, levels, options,
/// `MSG_*`, `SHUT_*`), `inotify` (`IN_*`), `ioctl` (the `_IOC` layout), `errno` (every errno name of Linux; where
/// two names share a value, the first key is Node's) and `limits`.
#[napi(
    catch_unwind,
    ts_return_type = "{ epoll: Record<string, number>; socket: Record<string, number>; inotify: Record<string, number>; ioctl: Record<string, number>; errno: Record<string, number>; limits: Record<string, number> }"
)]
pub fn constant_tables(env: &Env) -> Result<Object<'_>> {
    let mut tables = Object::new(env)?;
    tables.set_named_property("epoll", table(env, &epoll_core::FLAGS)?)?;
    tables.set_named_property("socket", table(env, net::SOCKET_CONSTANTS)?)?;
    tables.set_named_property("inotify", table(env, &daemon::INOTIFY_FLAGS)?)?;
    tables.set_named_property("ioctl", table(env, &daemon::IOCTL_CONSTANTS)?)?;
    tables.set_named_property("errno", table(env, &epoll_core::ERRNO_NAMES)?)?;
    tables.set_named_property("limits", table(env, &epoll_core::LIMITS)?)?;
    Ok(tables)
}
