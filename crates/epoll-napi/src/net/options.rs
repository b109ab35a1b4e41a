//! Socket options: ints and bytes both ways, the two named ones (`socketError`, `setNoDelay`), and
//! multicast group membership.

use std::net::IpAddr;

use epoll_core::net::{self, Membership};
use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue, Result};
use napi_derive::napi;

use crate::convert;
use crate::errors::{self, invalid_value};

/// The level and option name of a `getsockopt`/`setsockopt`.
fn level_and_name(env: &Env, level: f64, name: f64) -> Result<(i32, i32)> {
    Ok((
        convert::int32(env, "level", level)?,
        convert::int32(env, "name", name)?,
    ))
}

#[napi(catch_unwind)]
pub fn set_socket_option_int(env: Env, fd: f64, level: f64, name: f64, value: f64) -> Result<()> {
    let fd = convert::fd(&env, "fd", fd)?;
    let (level, name) = level_and_name(&env, level, name)?;
    let value = convert::int32(&env, "value", value)?;
    net::set_int(fd, level, name, value).map_err(|e| errors::os(&env, e))
}

#[napi(
    catch_unwind,
    ts_args_type = "fd: number, level: number, name: number, value: ArrayBufferView"
)]
pub fn set_socket_option_bytes(
    env: Env,
    fd: f64,
    level: f64,
    name: f64,
    value: Unknown<'_>,
) -> Result<()> {
    let fd = convert::fd(&env, "fd", fd)?;
    let (level, name) = level_and_name(&env, level, name)?;
    let value = convert::bytes(&env, "value", value.raw())?;
    net::set_option(fd, level, name, value).map_err(|e| errors::os(&env, e))
}

#[napi(catch_unwind)]
pub fn get_socket_option_int(env: Env, fd: f64, level: f64, name: f64) -> Result<i32> {
    let fd = convert::fd(&env, "fd", fd)?;
    let (level, name) = level_and_name(&env, level, name)?;
    net::get_int(fd, level, name).map_err(|e| errors::os(&env, e))
}

/// The option's bytes into `into`; returns how many the kernel wrote.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, level: number, name: number, into: ArrayBufferView"
)]
pub fn get_socket_option_bytes(
    env: Env,
    fd: f64,
    level: f64,
    name: f64,
    into: Unknown<'_>,
) -> Result<u32> {
    let fd = convert::fd(&env, "fd", fd)?;
    let (level, name) = level_and_name(&env, level, name)?;
    let into = convert::bytes(&env, "into", into.raw())?;
    net::get_option(fd, level, name, into)
        .map(|n| n as u32)
        .map_err(|e| errors::os(&env, e))
}

/// The pending `SO_ERROR` (a positive errno), 0 if none.
#[napi(catch_unwind)]
pub fn socket_error(env: Env, fd: f64) -> Result<i32> {
    let fd = convert::fd(&env, "fd", fd)?;
    net::socket_error(fd).map_err(|e| errors::os(&env, e))
}

#[napi(catch_unwind)]
pub fn set_no_delay(env: Env, fd: f64, enable: bool) -> Result<()> {
    let fd = convert::fd(&env, "fd", fd)?;
    net::set_no_delay(fd, enable).map_err(|e| errors::os(&env, e))
}

/// Joins (`add`) or leaves a multicast group. The interface is an IPv4 address for IPv4 groups, an
/// interface name for IPv6 groups.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, group: string, interface: string | undefined | null, add: boolean"
)]
pub fn membership(
    env: Env,
    fd: f64,
    group: Unknown<'_>,
    interface: Option<Unknown<'_>>,
    add: bool,
) -> Result<()> {
    let fd = convert::fd(&env, "fd", fd)?;
    let group = convert::string(&env, "group", group.raw())?;
    let interface = match interface {
        Some(value) => convert::optional_string(&env, "multicastInterface", value.raw())?,
        None => None,
    };
    let group: IpAddr = group
        .parse()
        .map_err(|_| invalid_value(&env, "group", "must be an IP address literal", Some(&group)))?;
    let how = if add {
        Membership::Add
    } else {
        Membership::Drop
    };
    let (local, index) = match (group, interface) {
        (_, None) => (None, 0),
        (IpAddr::V4(_), Some(text)) => {
            let local = text.parse::<IpAddr>().map_err(|_| {
                let reason = "must be an IPv4 address";
                invalid_value(&env, "multicastInterface", reason, Some(&text))
            })?;
            (Some(local), 0)
        }
        (IpAddr::V6(_), Some(name)) => {
            let index = net::interface_index(&name).map_err(|e| errors::os(&env, e))?;
            (None, index)
        }
    };
    net::membership(fd, group, local, index, how).map_err(|e| errors::os(&env, e))
}
