//! `inotify(7)`: an instance, its watches, and its queued events.

use std::path::Path;

use epoll_core::daemon;
use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue, Result};
use napi_derive::napi;

use crate::convert;
use crate::errors::{self, Outcome};

#[napi(catch_unwind)]
pub fn inotify(env: Env) -> Result<i32> {
    daemon::inotify()
        .map(Outcome::into_js)
        .map_err(|e| errors::os(&env, e))
}

#[napi(catch_unwind, ts_args_type = "fd: number, path: string, mask: number")]
pub fn add_watch(env: Env, fd: f64, path: Unknown<'_>, mask: f64) -> Result<i32> {
    let path = convert::string(&env, "path", path.raw())?;
    let fd = convert::fd(&env, "fd", fd)?;
    let mask = convert::mask(&env, "mask", mask)?;
    daemon::add_watch(fd, Path::new(&path), mask).map_err(|e| errors::os(&env, e))
}

#[napi(catch_unwind)]
pub fn remove_watch(env: Env, fd: f64, wd: f64) -> Result<()> {
    let fd = convert::fd(&env, "fd", fd)?;
    let wd = convert::integer_in(&env, "wd", wd, 0.0, f64::from(i32::MAX))? as i32;
    daemon::remove_watch(fd, wd).map_err(|e| errors::os(&env, e))
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
    let fd = convert::fd(&env, "fd", fd)?;
    let events = daemon::read_events(fd).map_err(|e| errors::os(&env, e))?;
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
