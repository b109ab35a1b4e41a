//! Node-API binding of epoll-napi. It converts JavaScript arguments (checking every one of them),
//! calls the core crate and maps its errors into Node-style exceptions. No logic lives here.

#![deny(clippy::all)]

mod args;
mod batch;
mod epoll;
mod errors;
mod fast;
mod io;
mod uv;
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
