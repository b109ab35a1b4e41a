//! Core errors become the exceptions Node itself throws: `code`, negative `errno`, `syscall`.

use napi::bindgen_prelude::JsObjectValue;
use napi::{Env, Error, Status};

/// Throws `err` into JavaScript and returns the marker error napi-rs leaves alone (the exception is
/// already pending).
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

fn throw_os(env: &Env, os: &epoll_core::OsError) -> napi::Result<()> {
    let mut error = env.create_error(Error::new(Status::GenericFailure, os.to_string()))?;
    error.set_named_property("code", os.code())?;
    error.set_named_property("errno", -os.errno)?;
    error.set_named_property("syscall", os.syscall)?;
    env.throw(error)
}

/// A `RangeError` with Node's `ERR_OUT_OF_RANGE`.
pub fn out_of_range(env: &Env, message: &str) -> Error {
    pending(env.throw_range_error(message, Some("ERR_OUT_OF_RANGE")))
}

fn pending(thrown: napi::Result<()>) -> Error {
    match thrown {
        Ok(()) => Error::new(Status::PendingException, "exception pending"),
        Err(e) => e,
    }
}

/// A `TypeError` with Node's `ERR_INVALID_ARG_TYPE`.
pub fn invalid_type(env: &Env, message: &str) -> Error {
    pending(env.throw_type_error(message, Some("ERR_INVALID_ARG_TYPE")))
}

/// A `TypeError` with Node's `ERR_INVALID_ARG_VALUE`: the right type, a value that means nothing here.
pub fn invalid_value(env: &Env, message: &str) -> Error {
    pending(env.throw_type_error(message, Some("ERR_INVALID_ARG_VALUE")))
}
