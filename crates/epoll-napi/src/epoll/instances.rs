//! Which `NativeEpoll` a JavaScript value is, cheaply enough for `pollInto`.
//!
//! The safe way from an object to its native struct is `napi_unwrap` (the wrapped pointer) and
//! `napi_check_object_type_tag` (the proof that napi-rs wrapped a `NativeEpoll` there, not another
//! class or addon something else). Both are property lookups on private symbols: measured here at
//! about 1,900 instructions together, when the whole old `epollWaitInto(fd, …)` call cost about 1,500
//! besides its system call. So each env keeps a memo of the last few instances it converted, as
//! weak references: a value strictly equal to a remembered object is that object, alive (it is an
//! argument of the running call), so the struct napi-rs wrapped in it is alive too and is the one
//! proven when it was remembered (an object is wrapped once, and unwrapped only when it dies). A hit
//! costs a reference lookup and an identity check (about 130 instructions more than the old call).

use std::cell::Cell;
use std::ptr;

use napi::bindgen_prelude::TypeTag;
use napi::{sys, Env};

use super::NativeEpoll;
use crate::convert::Value;

/// Instances remembered per env: a loop usually polls one; a few alternate.
const SLOTS: usize = 4;

/// Weak references to recently converted instances, with their proven structs (null: empty slot).
struct Memo {
    slots: [Cell<(sys::napi_ref, *const NativeEpoll)>; SLOTS],
    /// The slot a miss replaces next.
    next: Cell<usize>,
}

/// The `NativeEpoll` wrapped in `value`, or `None` when it holds none.
pub fn instance_of<'a>(env: &Env, value: Value) -> Option<&'a NativeEpoll> {
    let memo = memo(env);
    let native = memo
        .and_then(|memo| remembered(env, memo, value))
        .or_else(|| {
            let native = unwrap_proven(env, value)?;
            if let Some(memo) = memo {
                remember(env, memo, value, native);
            }
            Some(native)
        })?;
    // SAFETY: `native` is the struct napi-rs wrapped in `value` (proven by its type tag, now or when
    // it was remembered); `value` is an argument of this call, so it and its struct stay alive until
    // we return. Only a shared reference is made: the instance's state sits behind a `RefCell`.
    Some(unsafe { &*native })
}

/// The remembered struct of the object `value` is, if it is one of the memo's.
fn remembered(env: &Env, memo: &Memo, value: Value) -> Option<*const NativeEpoll> {
    memo.slots.iter().find_map(|slot| {
        let (reference, native) = slot.get();
        if reference.is_null() {
            return None;
        }
        let (mut object, mut same) = (ptr::null_mut(), false);
        // SAFETY: `reference` is a live reference of this env (deleted only when its slot is reused
        // or the memo is finalized); `object` is null once the object was collected; `value` is a
        // live value of this call.
        unsafe {
            sys::napi_get_reference_value(env.raw(), reference, &mut object);
            if !object.is_null() {
                sys::napi_strict_equals(env.raw(), object, value, &mut same);
            }
        }
        same.then_some(native)
    })
}

/// `napi_unwrap`, trusted only when the object carries the type tag napi-rs gives every
/// `NativeEpoll` it makes.
fn unwrap_proven(env: &Env, value: Value) -> Option<*const NativeEpoll> {
    let tag = <NativeEpoll as TypeTag>::type_tag();
    let (mut kind, mut tagged, mut wrapped) =
        (sys::ValueType::napi_undefined, false, ptr::null_mut());
    // SAFETY: `value` is a live value of this call; `tag` and the out-pointers are valid locals.
    // Only an object is asked for its tag (Node converts anything else with `ToObject`, which
    // throws for null and undefined), and the wrapped pointer is read only if the tag is there.
    let found = unsafe {
        sys::napi_typeof(env.raw(), value, &mut kind) == sys::Status::napi_ok
            && kind == sys::ValueType::napi_object
            && sys::napi_check_object_type_tag(env.raw(), value, &tag, &mut tagged)
                == sys::Status::napi_ok
            && tagged
            && sys::napi_unwrap(env.raw(), value, &mut wrapped) == sys::Status::napi_ok
    };
    (found && !wrapped.is_null()).then(|| wrapped.cast::<NativeEpoll>().cast_const())
}

/// Remembers `value` (proven to wrap `native`) in the next slot, as a weak reference: the memo must
/// never keep an instance alive (its finalizer closes the fd of an instance nobody closed).
fn remember(env: &Env, memo: &Memo, value: Value, native: *const NativeEpoll) {
    let mut reference = ptr::null_mut();
    // SAFETY: `value` is a live object of this call; `reference` is a valid out-pointer.
    let made = unsafe { sys::napi_create_reference(env.raw(), value, 0, &mut reference) };
    if made != sys::Status::napi_ok {
        return;
    }
    let slot = &memo.slots[memo.next.get()];
    memo.next.set((memo.next.get() + 1) % SLOTS);
    let (old, _) = slot.replace((reference, native));
    if !old.is_null() {
        // SAFETY: the slot's own reference, deleted once, here.
        unsafe { sys::napi_delete_reference(env.raw(), old) };
    }
}

/// This env's memo (made on first use, freed with the env), or `None` if Node-API refused.
fn memo(env: &Env) -> Option<&Memo> {
    let mut data = ptr::null_mut();
    // SAFETY: `data` is a valid out-pointer; the instance data of this addon in this env is only
    // ever set below, to a `Memo`.
    if unsafe { sys::napi_get_instance_data(env.raw(), &mut data) } != sys::Status::napi_ok {
        return None;
    }
    if data.is_null() {
        let memo = Box::into_raw(Box::new(Memo {
            slots: std::array::from_fn(|_| Cell::new((ptr::null_mut(), ptr::null()))),
            next: Cell::new(0),
        }));
        // SAFETY: `memo` is a fresh allocation that Node hands back to `free_memo` once, when the
        // env ends.
        let set = unsafe {
            sys::napi_set_instance_data(env.raw(), memo.cast(), Some(free_memo), ptr::null_mut())
        };
        if set != sys::Status::napi_ok {
            // SAFETY: not handed over: still ours alone.
            drop(unsafe { Box::from_raw(memo) });
            return None;
        }
        data = memo.cast();
    }
    // SAFETY: set above (now or by an earlier call) to a `Memo` that lives until the env ends; only
    // the env's own thread uses it.
    Some(unsafe { &*data.cast::<Memo>() })
}

/// The env ends: delete the memo's references and free it. Node runs instance-data finalizers
/// before it releases the env's remaining references, so deleting them here is allowed.
///
/// # Safety
/// Called by Node, once, with the `Memo` given to `napi_set_instance_data`.
unsafe extern "C" fn free_memo(
    env: sys::napi_env,
    data: *mut std::ffi::c_void,
    _: *mut std::ffi::c_void,
) {
    // SAFETY: as the caller promises; nothing else holds the memo once its env ends.
    let memo = unsafe { Box::from_raw(data.cast::<Memo>()) };
    for slot in &memo.slots {
        let (reference, _) = slot.get();
        if !reference.is_null() {
            // SAFETY: a live reference of this env, deleted once, here.
            unsafe { sys::napi_delete_reference(env, reference) };
        }
    }
}
