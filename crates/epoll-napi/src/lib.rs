//! Node-API binding of epoll-napi. It converts JavaScript arguments that TypeScript has already
//! validated (checking again only what memory safety needs: fd range, view kinds, byte ranges), calls
//! the core crate and maps its errors into Node-style exceptions. The one piece of logic of its own
//! is the event-loop watcher (`watch`, `uv`), which delivers readiness to JavaScript.

#![deny(clippy::all)]

mod args;
mod batch;
mod daemon;
mod epoll;
mod errors;
mod fast;
mod io;
mod watch;

use napi_derive::napi;

/// The kernel's `EPOLL*` values by name, straight from the core's one flag table. The TypeScript layer
/// holds a typed copy of them and checks it against this table in its tests.
#[napi(catch_unwind, ts_return_type = "Record<string, number>")]
pub fn flag_table(env: &napi::Env) -> napi::Result<napi::bindgen_prelude::Object<'_>> {
    use napi::bindgen_prelude::JsObjectValue;
    let mut table = napi::bindgen_prelude::Object::new(env)?;
    for (name, value) in epoll_core::FLAGS {
        table.set_named_property(name, value)?;
    }
    Ok(table)
}

/// The package's other constants by their TypeScript names, defined once in the core: the typed
/// copies in `lib/constants.ts`, `lib/epoll.ts` and `lib/io.ts` (which must load where the binding
/// does not) are checked against this table by `__test__/constants.spec.ts`.
#[napi(catch_unwind, ts_return_type = "Record<string, number>")]
pub fn constant_table(env: &napi::Env) -> napi::Result<napi::bindgen_prelude::Object<'_>> {
    use napi::bindgen_prelude::JsObjectValue;
    let mut table = napi::bindgen_prelude::Object::new(env)?;
    table.set_named_property("DEFAULT_EVENTS", epoll_core::DEFAULT_EVENTS)?;
    table.set_named_property(
        "MAX_EVENTS_PER_POLL",
        epoll_core::MAX_EVENTS_PER_POLL as u32,
    )?;
    table.set_named_property("DEFAULT_BACKLOG", epoll_core::io::DEFAULT_BACKLOG)?;
    table.set_named_property("IOV_MAX", epoll_core::io::IOV_MAX as u32)?;
    table.set_named_property("MAX_TIMER_MS", epoll_core::io::MAX_TIMER_MS)?;
    Ok(table)
}
// Sockets of every family and type, datagrams, batches and options (issue 13).
mod sockets;
mod sockets_fast;
