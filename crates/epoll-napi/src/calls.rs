//! The one table of hand-made calls: every function registered as a plain Node-API callback, with
//! its TypeScript signature, registered once by the binding's one `module_exports` hook.
//!
//! napi-rs wraps every generated callback in its native-borrow bookkeeping (a scope object, a global
//! mutex and a map, allocations): measured here at about 300 ns per call, as much as the system call
//! these functions exist to make. The calls below run once per event, loop turn or datagram in a
//! server, so they are registered by hand: `convert::run` reads their arguments and returns their
//! integer, and each body converts with the same kit as the generated functions (`convert/`).
//!
//! napi-rs cannot describe these calls in `binding.d.ts`, so the table carries their signatures:
//! `handMadeCalls()` returns them, and `scripts/build-native.mjs` reads them from this file (one
//! `call!` per line group: name, body, signature) and appends `export declare function` lines to the
//! generated `binding.d.ts`, so that it types every export.

use napi::bindgen_prelude::{FromNapiValue, JsObjectValue, Object, Unknown};
use napi::{sys, Env, Status};
use napi_derive::napi;

use crate::{epoll, fd, net, uring};

/// One hand-made call: its JavaScript name, its Node-API callback and its TypeScript signature.
pub struct Call {
    pub name: &'static str,
    pub callback: unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value,
    pub signature: &'static str,
}

/// A table entry: the callback is a trampoline that runs `$body` through `convert::run`.
macro_rules! call {
    ($name:literal, $body:path, $signature:literal $(,)?) => {{
        /// # Safety
        /// Called by Node-API only, as the function's callback.
        unsafe extern "C" fn callback(
            env: sys::napi_env,
            info: sys::napi_callback_info,
        ) -> sys::napi_value {
            // SAFETY: Node-API calls this with the env and info of one call of the function.
            unsafe { crate::convert::run(env, info, $body) }
        }
        Call {
            name: $name,
            callback,
            signature: $signature,
        }
    }};
}

/// Every hand-made call. `scripts/build-native.mjs` parses the `call!` entries of this table.
pub const CALLS: [Call; 14] = [
    call!(
        "pollInto",
        epoll::poll_into,
        "(epoll: NativeEpoll, out: Uint32Array, timeout: number): number",
    ),
    call!(
        "read",
        fd::read,
        "(fd: number, buffer: ArrayBufferView, offset: number, length: number): number",
    ),
    call!(
        "write",
        fd::write,
        "(fd: number, buffer: ArrayBufferView, offset: number, length: number): number",
    ),
    call!("acceptFd", net::accept, "(fd: number): number"),
    call!(
        "readBurst",
        fd::read_burst,
        "(fd: number, buffer: ArrayBufferView, offset: number, length: number, minRead: number, shortDrains: number, state: Int32Array): number",
    ),
    call!(
        "readMessages",
        fd::read_messages,
        "(fd: number, buffer: ArrayBufferView, offset: number, length: number, slotSize: number, lengths: Int32Array, emptyMessages: number, state: Int32Array): number",
    ),
    call!(
        "acceptFrom",
        net::accept_from,
        "(fd: number, name: Uint8Array, meta: Int32Array): number",
    ),
    call!(
        "writeMany",
        fd::write_many,
        "(fds: Int32Array, count: number, results: Int32Array, buffer: ArrayBufferView, offset: number, length: number): number",
    ),
    call!(
        "pollRead",
        fd::poll_read,
        "(epoll: NativeEpoll, events: Uint32Array, lengths: Int32Array, slab: ArrayBufferView, slotSize: number, timeout: number, skip?: Uint8Array): number",
    ),
    call!(
        "writeSlots",
        fd::write_slots,
        "(pairs: Uint32Array, count: number, lengths: Int32Array, slab: ArrayBufferView, slotSize: number, results: Int32Array): number",
    ),
    call!(
        "recvFrom",
        net::recv_from,
        "(fd: number, buffer: ArrayBufferView, offset: number, length: number, name: Uint8Array, meta: Int32Array): number",
    ),
    call!(
        "sendTo",
        net::send_to,
        "(fd: number, buffer: ArrayBufferView, offset: number, length: number, address: Uint8Array | null): number",
    ),
    call!(
        "ringTurn",
        uring::ring_turn,
        "(ops: Int32Array, opCount: number, views: ArrayBufferView[], names: ArrayBufferView[], out: Int32Array, pool: ArrayBufferView, poolOffset: number, poolRoom: number, state: Int32Array): number",
    ),
    call!(
        "acceptMany",
        net::accept_many,
        "(fd: number, fds: Int32Array, names: Uint8Array, meta: Int32Array): number",
    ),
];

/// The napi-rs-generated functions that run per operation and take every argument as `Unknown`,
/// converted by the kit, so that no napi-rs conversion can fail in them: `errors::guard_exports`
/// leaves them unguarded, since its guard costs a second call (about 300 ns, measured with
/// `NativeEpoll#has`). `__test__/regressions/binding-codes.spec.ts` calls them with every hostile
/// value like the rest. (Their methods called on a foreign `this` get V8's own `Illegal invocation`
/// TypeError before any code of ours runs.)
const KIT_CONVERTED: [&str; 10] = [
    "close",
    "readv",
    "writev",
    "NativeEpoll#has",
    "NativeEpoll#interest",
    "NativeEpoll#register",
    "NativeEpoll#modify",
    "NativeEpoll#unregister",
    "NativeEpoll#suspend",
    "NativeEpoll#resume",
];

/// The binding's one `module_exports` hook: adds every hand-made call of [`CALLS`] to the exports,
/// and guards every napi-rs-generated one (`errors::guard_exports`).
#[napi(module_exports)]
pub fn register(mut exports: Object, env: Env) -> napi::Result<()> {
    for call in &CALLS {
        let mut function = std::ptr::null_mut();
        // SAFETY: `name` is valid for its length (which is passed, so no NUL is needed);
        // `function` is a valid out-pointer.
        let status = unsafe {
            sys::napi_create_function(
                env.raw(),
                call.name.as_ptr().cast(),
                call.name.len() as isize,
                Some(call.callback),
                std::ptr::null_mut(),
                &mut function,
            )
        };
        if status != sys::Status::napi_ok {
            let reason = format!("cannot create {}", call.name);
            return Err(napi::Error::new(Status::from(status), reason));
        }
        // SAFETY: `function` is the live value just created in this env.
        let function = unsafe { Unknown::from_napi_value(env.raw(), function)? };
        exports.set_named_property(call.name, function)?;
    }
    let mut unguarded: Vec<&str> = CALLS.iter().map(|call| call.name).collect();
    unguarded.extend(KIT_CONVERTED);
    crate::errors::guard_exports(&env, &exports, &unguarded)
}

/// The TypeScript signature of every hand-made call by name, as `binding.d.ts` declares them:
/// `{ read: "(fd: number, buffer: ArrayBufferView, offset: number, length: number): number", ... }`.
#[napi(catch_unwind, ts_return_type = "Record<string, string>")]
pub fn hand_made_calls(env: &Env) -> napi::Result<Object<'_>> {
    let mut signatures = Object::new(env)?;
    for call in &CALLS {
        signatures.set_named_property(call.name, call.signature)?;
    }
    Ok(signatures)
}
