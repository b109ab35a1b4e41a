//! Errors as the exceptions Node itself throws: core errors keep their `code`, negative `errno` and
//! `syscall`; argument errors get Node's codes and message shapes; and the one would-block helper
//! turns the core's `Ok(None)` into [`WOULD_BLOCK`].
//!
//! Every builder throws into JavaScript at once and returns the marker error napi-rs (and
//! `convert::run`) leave alone, since the exception is already pending.

use std::fmt::Display;
use std::os::fd::{IntoRawFd, OwnedFd};

use epoll_core::OsError;
use napi::bindgen_prelude::JsObjectValue;
use napi::{Env, Error, Status};

/// What a call returns when it would block: the core's one definition (`LIMITS` has it too).
use epoll_core::WOULD_BLOCK;

/// Throws `err` into JavaScript.
pub fn throw(env: &Env, err: epoll_core::Error) -> Error {
    // The words of every package error are the core's (its `Display`); only the code is added here.
    let thrown = match err {
        epoll_core::Error::Os(os) => throw_os(env, &os),
        closed @ epoll_core::Error::Closed => {
            env.throw_error(&closed.to_string(), Some("ERR_EPOLL_CLOSED"))
        }
        not_epoll @ epoll_core::Error::NotEpoll(_) => {
            env.throw_type_error(&not_epoll.to_string(), Some("ERR_EPOLL_NOT_EPOLL"))
        }
        stale @ epoll_core::Error::StaleRegistration(_) => {
            env.throw_error(&stale.to_string(), Some("ERR_EPOLL_STALE_REGISTRATION"))
        }
        owned @ epoll_core::Error::AlreadyOwned(_) => {
            env.throw_error(&owned.to_string(), Some("ERR_EPOLL_FD_OWNED"))
        }
    };
    pending(thrown)
}

/// Throws a failed system call as Node does: `code`, negative `errno`, `syscall`.
pub fn os(env: &Env, e: OsError) -> Error {
    pending(throw_os(env, &e))
}

fn throw_os(env: &Env, os: &OsError) -> napi::Result<()> {
    let mut error = env.create_error(Error::new(Status::GenericFailure, os.to_string()))?;
    error.set_named_property("code", os.code())?;
    error.set_named_property("errno", -os.errno)?;
    error.set_named_property("syscall", os.syscall)?;
    env.throw(error)
}

fn pending(thrown: napi::Result<()>) -> Error {
    match thrown {
        Ok(()) => Error::new(Status::PendingException, "exception pending"),
        Err(e) => e,
    }
}

/// What a successful non-blocking call hands JavaScript: a count or a new fd, as an `i32`.
pub trait Outcome {
    fn into_js(self) -> i32;
}

impl Outcome for usize {
    /// Counts of bytes (Linux moves at most `0x7ffff000` per call), datagrams or events all fit.
    fn into_js(self) -> i32 {
        i32::try_from(self).unwrap_or(i32::MAX)
    }
}

impl Outcome for OwnedFd {
    /// JavaScript owns the fd from here on, as a plain number.
    fn into_js(self) -> i32 {
        self.into_raw_fd()
    }
}

/// The one would-block convention of the binding: a count or fd as is, [`WOULD_BLOCK`] for the
/// core's `Ok(None)`, and a failure thrown as a system error.
pub fn or_would_block<T: Outcome>(
    env: &Env,
    outcome: Result<Option<T>, OsError>,
) -> napi::Result<i32> {
    match outcome {
        Ok(Some(value)) => Ok(value.into_js()),
        Ok(None) => Ok(WOULD_BLOCK),
        Err(e) => Err(os(env, e)),
    }
}

/// A value as an error message shows it: JavaScript's spelling of numbers (`Infinity`, `-0`).
pub fn shown(value: f64) -> String {
    if value == f64::INFINITY {
        "Infinity".into()
    } else if value == f64::NEG_INFINITY {
        "-Infinity".into()
    } else if value == 0.0 && value.is_sign_negative() {
        "-0".into()
    } else {
        value.to_string()
    }
}

/// `RangeError [ERR_OUT_OF_RANGE]`, worded as Node words it:
/// `The value of "fd" is out of range. It must be an integer >= 0 and <= 2147483647. Received -1`.
pub fn out_of_range(env: &Env, name: &str, rule: &str, received: impl Display) -> Error {
    let message =
        format!("The value of \"{name}\" is out of range. It must be {rule}. Received {received}");
    pending(env.throw_range_error(&message, Some("ERR_OUT_OF_RANGE")))
}

/// `TypeError [ERR_INVALID_ARG_TYPE]`: `The "out" argument must be an instance of Uint32Array`.
pub fn invalid_type(env: &Env, name: &str, expected: &str) -> Error {
    let message = format!("The \"{name}\" argument must be {expected}");
    pending(env.throw_type_error(&message, Some("ERR_INVALID_ARG_TYPE")))
}

/// `TypeError [ERR_INVALID_ARG_VALUE]`, the right type with a value that means nothing here:
/// `The argument 'group' must be an IP address literal. Received 'x'` (`property` for a dotted name).
pub fn invalid_value(env: &Env, name: &str, reason: &str, received: Option<&str>) -> Error {
    let kind = if name.contains('.') {
        "property"
    } else {
        "argument"
    };
    let mut message = format!("The {kind} '{name}' {reason}");
    if let Some(received) = received {
        message.push_str(&format!(". Received '{received}'"));
    }
    pending(env.throw_type_error(&message, Some("ERR_INVALID_ARG_VALUE")))
}

mod guard;
pub use guard::guard_exports;
