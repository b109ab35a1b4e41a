//! napi-rs's own failures, mapped in one place: a guard around every function napi-rs generates
//! turns a napi-rs status in `code` (`NumberExpected`, `InvalidArg`, `GenericFailure`) into a
//! Node-style error. Part of the binding's error mapping (`errors`).

use napi::bindgen_prelude::{FromNapiValue, JsObjectValue, JsValue, Object, Unknown};
use napi::{sys, Env, Status};

/// Every napi-rs status name ("NumberExpected", "InvalidArg", "GenericFailure", ...): napi-rs puts
/// one of them in the `code` of the errors it throws itself (a typed parameter that could not be
/// converted, a `this` that is not the class's), and of `convert::run`'s internal-panic error.
fn is_napi_status(code: &str) -> bool {
    (0..64).any(|raw| Status::from(raw).as_ref() == code) || code == Status::Unknown.as_ref()
}

/// What a napi-rs-generated function was, for the guard that calls it.
struct Guarded {
    /// The original function.
    original: sys::napi_ref,
    /// Its JavaScript name, for messages.
    name: String,
    /// Whether it is a member of `NativeEpoll` (its `this` must be an instance).
    member: bool,
}

/// At most this many arguments reach a guarded function (none takes more than 8; JavaScript passes
/// `undefined` for missing ones, and napi-rs ignores extra ones anyway).
const MAX_ARGS: usize = 12;

/// The guard around a napi-rs-generated function: calls it with the same `this` and arguments, and
/// if it threw an error whose `code` is a napi-rs status name, throws a Node-style error instead
/// (`ERR_INVALID_ARG_TYPE` for a value of the wrong type, `ERR_INVALID_THIS` for a member called on
/// something else, `ERR_INTERNAL_ASSERTION` for anything else). Every other exception (system
/// errors, the package's, the caller's own from a getter or trap) passes through untouched.
unsafe extern "C" fn guarded(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let (mut argc, mut argv) = (MAX_ARGS, [std::ptr::null_mut(); MAX_ARGS]);
    let (mut this, mut data) = (std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: `argv` has room for `argc` values; `this` and `data` are valid out-pointers.
    unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            &mut this,
            &mut data,
        )
    };
    // SAFETY: `data` is the `Guarded` this function was created with, freed only by its finalizer.
    let guard = unsafe { &*data.cast::<Guarded>() };
    let wrapped = Env::from_raw(env);
    if guard.member && crate::epoll::instance_of(&wrapped, this).is_none() {
        let message = format!(
            "Value of \"this\" must be of type NativeEpoll (calling {})",
            guard.name
        );
        let _ = wrapped.throw_type_error(&message, Some("ERR_INVALID_THIS"));
        return std::ptr::null_mut();
    }
    let (mut original, mut result) = (std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: the reference is alive as long as the guard; the call gets this call's own values.
    let status = unsafe {
        sys::napi_get_reference_value(env, guard.original, &mut original);
        sys::napi_call_function(
            env,
            this,
            original,
            argc.min(MAX_ARGS),
            argv.as_ptr(),
            &mut result,
        )
    };
    if status == sys::Status::napi_pending_exception {
        // SAFETY: an exception is pending in this env.
        unsafe { remap_pending(env, &guard.name) };
        return std::ptr::null_mut();
    }
    result
}

/// Rethrows the pending exception, as it is unless its `code` is a napi-rs status name.
///
/// # Safety
/// An exception must be pending in `env`.
unsafe fn remap_pending(env: sys::napi_env, name: &str) {
    let mut exception = std::ptr::null_mut();
    // SAFETY: an exception is pending; `exception` is a valid out-pointer.
    unsafe { sys::napi_get_and_clear_last_exception(env, &mut exception) };
    // SAFETY: `exception` is a live value of this call.
    let napi_status = unsafe { napi_code(env, exception) }.filter(|c| is_napi_status(c));
    let Some(status) = napi_status else {
        // SAFETY: rethrows the exception just cleared, untouched.
        unsafe { sys::napi_throw(env, exception) };
        return;
    };
    let wrapped = Env::from_raw(env);
    let reason = message_of(&wrapped, exception).unwrap_or_default();
    let _ = if status.ends_with("Expected") || status == Status::InvalidArg.as_ref() {
        let message =
            format!("The arguments of {name} must be of the types binding.d.ts declares: {reason}");
        wrapped.throw_type_error(&message, Some("ERR_INVALID_ARG_TYPE"))
    } else {
        let message = format!("{name} failed inside the binding ({status}): {reason}");
        wrapped.throw_error(&message, Some("ERR_INTERNAL_ASSERTION"))
    };
}

/// The string `code` of a native `Error` (never of anything else: reading a property of a proxy or
/// an object with getters would run JavaScript).
///
/// # Safety
/// `value` must be a live value of the current call.
unsafe fn napi_code(env: sys::napi_env, value: sys::napi_value) -> Option<String> {
    let mut is_error = false;
    // SAFETY: `value` is live; `is_error` is a valid out-pointer.
    unsafe { sys::napi_is_error(env, value, &mut is_error) };
    if !is_error {
        return None;
    }
    // SAFETY: as above; a native Error's data property `code` runs no JavaScript when it is a plain
    // value (napi-rs sets it so), and a failure leaves a pending exception that is cleared here.
    let object = unsafe { Object::from_napi_value(env, value) }.ok()?;
    let code = object
        .get_named_property_unchecked::<Unknown>("code")
        .ok()?;
    if code.get_type().ok()? != napi::ValueType::String {
        return None;
    }
    // SAFETY: `code` was just checked to be a string.
    unsafe { String::from_napi_value(env, code.raw()) }.ok()
}

fn message_of(env: &Env, error: sys::napi_value) -> Option<String> {
    // SAFETY: `error` is a native Error (checked by the caller, through `napi_code`).
    let object = unsafe { Object::from_napi_value(env.raw(), error) }.ok()?;
    object
        .get_named_property_unchecked::<String>("message")
        .ok()
}

/// Frees a guard when its function is collected.
unsafe extern "C" fn release(
    env: sys::napi_env,
    data: *mut std::ffi::c_void,
    _hint: *mut std::ffi::c_void,
) {
    // SAFETY: `data` is the `Guarded` leaked by `guard`, finalized once.
    let guard = unsafe { Box::from_raw(data.cast::<Guarded>()) };
    // SAFETY: the reference belongs to this env.
    unsafe { sys::napi_delete_reference(env, guard.original) };
}

/// The guarded version of `original` (a napi-rs-generated function).
fn guard(
    env: &Env,
    name: &str,
    original: sys::napi_value,
    member: bool,
) -> napi::Result<sys::napi_value> {
    let raw = env.raw();
    let mut reference = std::ptr::null_mut();
    // SAFETY: `original` is a live function of this env; `reference` is a valid out-pointer.
    napi::check_status!(unsafe { sys::napi_create_reference(raw, original, 1, &mut reference) })?;
    let data = Box::into_raw(Box::new(Guarded {
        original: reference,
        name: name.to_owned(),
        member,
    }));
    let mut function = std::ptr::null_mut();
    // SAFETY: `name` is valid for its length; `data` stays alive until `release` runs for `function`.
    unsafe {
        napi::check_status!(sys::napi_create_function(
            raw,
            name.as_ptr().cast(),
            name.len() as isize,
            Some(guarded),
            data.cast(),
            &mut function,
        ))?;
        napi::check_status!(sys::napi_add_finalizer(
            raw,
            function,
            data.cast(),
            Some(release),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ))?;
    }
    Ok(function)
}

/// Puts a guard around every function napi-rs generated: each export and each static, method and
/// getter of the `NativeEpoll` class (`NativeEpoll#has`), but those `unguarded` names (the hand-made
/// calls and the per-operation functions whose conversions are all the kit's own).
/// Called once by the binding's `module_exports` hook, after napi-rs registered its exports, so a
/// function added later is guarded too without a line here.
pub fn guard_exports(env: &Env, exports: &Object, unguarded: &[&str]) -> napi::Result<()> {
    for name in own_names(env, exports.raw())? {
        if unguarded.contains(&name.as_str()) {
            continue;
        }
        let value = get(env, exports.raw(), &name)?;
        if !is_function(env, value) {
            continue;
        }
        if name == "NativeEpoll" {
            guard_class(env, value, unguarded)?;
            continue;
        }
        let guarded = guard(env, &name, value, false)?;
        set(env, exports.raw(), &name, guarded)?;
    }
    Ok(())
}

/// Guards the statics (`fromFd`) and the prototype's methods and getters of a napi-rs class.
fn guard_class(env: &Env, class: sys::napi_value, unguarded: &[&str]) -> napi::Result<()> {
    let statics = ["length", "name", "prototype"];
    guard_own(env, class, "NativeEpoll.", false, &statics)?;
    let prototype = get(env, class, "prototype")?;
    let mut skip = vec!["constructor"];
    skip.extend(
        unguarded
            .iter()
            .filter_map(|n| n.strip_prefix("NativeEpoll#")),
    );
    guard_own(env, prototype, "NativeEpoll#", true, &skip)
}

/// Redefines every own method and getter of `owner` (but `skip`) with a guard around it, keeping
/// its attributes (`Object.defineProperty` with its own descriptor). A property napi-rs made
/// non-configurable (a static factory) cannot be redefined, and is left to convert its own arguments.
fn guard_own(
    env: &Env,
    owner: sys::napi_value,
    prefix: &str,
    member: bool,
    skip: &[&str],
) -> napi::Result<()> {
    let object = global_function(env, "Object", None)?;
    let describe = global_function(env, "Object", Some("getOwnPropertyDescriptor"))?;
    let define = global_function(env, "Object", Some("defineProperty"))?;
    for name in own_names(env, owner)? {
        if skip.contains(&name.as_str()) {
            continue;
        }
        let key = string(env, &name)?;
        let descriptor = call(env, object, describe, &[owner, key])?;
        let label = format!("{prefix}{name}");
        let slot = ["get", "value"]
            .into_iter()
            .map(|slot| get(env, descriptor, slot).map(|value| (slot, value)))
            .collect::<napi::Result<Vec<_>>>()?
            .into_iter()
            .find(|&(_, value)| is_function(env, value));
        let configurable = get(env, descriptor, "configurable")?;
        // SAFETY: `configurable` is a live value of this env (a descriptor's boolean).
        let configurable =
            unsafe { bool::from_napi_value(env.raw(), configurable) }.unwrap_or(false);
        // A static napi-rs defines read-only (`fromFd`) converts its own arguments with the kit.
        let (Some((slot, function)), true) = (slot, configurable) else {
            continue;
        };
        let guarded = guard(env, &label, function, member)?;
        set(env, descriptor, slot, guarded)?;
        call(env, object, define, &[owner, key, descriptor])?;
    }
    Ok(())
}

/// The own string keys of an object, enumerable or not.
fn own_names(env: &Env, object: sys::napi_value) -> napi::Result<Vec<String>> {
    let raw = env.raw();
    let mut keys = std::ptr::null_mut();
    let mut length = 0u32;
    // SAFETY: `object` is a live object of this env; the out-pointers are valid.
    unsafe {
        napi::check_status!(sys::napi_get_all_property_names(
            raw,
            object,
            sys::KeyCollectionMode::own_only,
            sys::KeyFilter::skip_symbols,
            sys::KeyConversion::numbers_to_strings,
            &mut keys,
        ))?;
        napi::check_status!(sys::napi_get_array_length(raw, keys, &mut length))?;
    }
    (0..length)
        .map(|i| {
            let mut key = std::ptr::null_mut();
            // SAFETY: `keys` is the array just made; `i` is below its length.
            unsafe {
                napi::check_status!(sys::napi_get_element(raw, keys, i, &mut key))?;
                String::from_napi_value(raw, key)
            }
        })
        .collect()
}

fn get(env: &Env, object: sys::napi_value, name: &str) -> napi::Result<sys::napi_value> {
    let key = string(env, name)?;
    let mut value = std::ptr::null_mut();
    // SAFETY: `object` and `key` are live values of this env.
    napi::check_status!(unsafe { sys::napi_get_property(env.raw(), object, key, &mut value) })?;
    Ok(value)
}

fn set(env: &Env, object: sys::napi_value, name: &str, value: sys::napi_value) -> napi::Result<()> {
    let key = string(env, name)?;
    // SAFETY: `object`, `key` and `value` are live values of this env.
    napi::check_status!(unsafe { sys::napi_set_property(env.raw(), object, key, value) })
}

fn string(env: &Env, text: &str) -> napi::Result<sys::napi_value> {
    let mut value = std::ptr::null_mut();
    // SAFETY: `text` is valid for its length; `value` is a valid out-pointer.
    napi::check_status!(unsafe {
        sys::napi_create_string_utf8(
            env.raw(),
            text.as_ptr().cast(),
            text.len() as isize,
            &mut value,
        )
    })?;
    Ok(value)
}

fn is_function(env: &Env, value: sys::napi_value) -> bool {
    let mut kind = sys::ValueType::napi_undefined;
    // SAFETY: `value` is a live value of this env; `kind` is a valid out-pointer.
    unsafe { sys::napi_typeof(env.raw(), value, &mut kind) };
    kind == sys::ValueType::napi_function
}

/// `globalThis[name]`, or `globalThis[name][member]`: the untouched built-ins at load time.
fn global_function(env: &Env, name: &str, member: Option<&str>) -> napi::Result<sys::napi_value> {
    let mut global = std::ptr::null_mut();
    // SAFETY: `global` is a valid out-pointer.
    napi::check_status!(unsafe { sys::napi_get_global(env.raw(), &mut global) })?;
    let value = get(env, global, name)?;
    member.map_or(Ok(value), |member| get(env, value, member))
}

fn call(
    env: &Env,
    this: sys::napi_value,
    function: sys::napi_value,
    args: &[sys::napi_value],
) -> napi::Result<sys::napi_value> {
    let mut result = std::ptr::null_mut();
    // SAFETY: every value is a live value of this env; `args` is valid for its length.
    napi::check_status!(unsafe {
        sys::napi_call_function(
            env.raw(),
            this,
            function,
            args.len(),
            args.as_ptr(),
            &mut result,
        )
    })?;
    Ok(result)
}
