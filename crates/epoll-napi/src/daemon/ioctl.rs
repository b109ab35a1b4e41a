//! `ioctl(2)` with an integer or a view (`ioctlValue`, `ioctlBuffer`), and the kernel's `_IOC`
//! encoding of request numbers for this build's architecture (`ioctlRequest`, `ioctlSize`).

use epoll_core::daemon::{self, IOC};
use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue, Result};
use napi_derive::napi;

use crate::convert;
use crate::errors::{self, invalid_value, out_of_range};

/// A request number: unsigned 32-bit, or the negative int32 JavaScript's `|` makes of it.
fn request(env: &Env, value: f64) -> Result<u32> {
    convert::mask(env, "request", value)
}

/// `ioctl(fd, request, arg)` with an integer argument.
#[napi(catch_unwind)]
pub fn ioctl_value(env: Env, fd: f64, request: f64, arg: f64) -> Result<i32> {
    let fd = convert::fd(&env, "fd", fd)?;
    let request = self::request(&env, request)?;
    let safe = 2f64.powi(53);
    let arg = convert::integer_in(&env, "arg", arg, -safe, safe)? as i64;
    // SAFETY: documented to the user (the TypeScript `ioctl`): an integer argument is only for
    // requests that take their argument by value; views go through `ioctlBuffer`.
    unsafe { daemon::ioctl_value(fd, request, arg as libc::c_ulong) }
        .map_err(|e| errors::os(&env, e))
}

/// `ioctl(fd, request, view)`: the kernel reads and writes the view's bytes.
#[napi(
    catch_unwind,
    ts_args_type = "fd: number, request: number, arg: ArrayBufferView"
)]
pub fn ioctl_buffer(env: Env, fd: f64, request: f64, arg: Unknown<'_>) -> Result<i32> {
    let fd = convert::fd(&env, "fd", fd)?;
    let request = self::request(&env, request)?;
    let buf = convert::bytes(&env, "arg", arg.raw())?;
    // SAFETY: the size the request encodes is checked by the core; beyond that the user vouches
    // for the request (documented in the TypeScript `ioctl`: no pointer-holding structs), and the
    // core's zero-padded bounce buffer absorbs a struct somewhat larger than the view.
    unsafe { daemon::ioctl_buffer(fd, request, buf) }.map_err(|e| errors::os(&env, e))
}

/// `_IOC(dir, type, nr, size)` with the target architecture's layout, unsigned.
#[napi(
    catch_unwind,
    ts_args_type = "direction: 'none' | 'read' | 'write' | 'readwrite', type: number, nr: number, size: number"
)]
pub fn ioctl_request(env: Env, direction: Unknown<'_>, ty: f64, nr: f64, size: f64) -> Result<f64> {
    let direction = convert::string(&env, "direction", direction.raw())?;
    let dir = match direction.as_str() {
        "none" => IOC.none,
        "read" => IOC.read,
        "write" => IOC.write,
        "readwrite" => IOC.read | IOC.write,
        _ => {
            let reason = "must be 'none', 'read', 'write' or 'readwrite'";
            return Err(invalid_value(&env, "direction", reason, Some(&direction)));
        }
    };
    let ty = convert::integer_in(&env, "type", ty, 0.0, 255.0)? as u32;
    let nr = convert::integer_in(&env, "nr", nr, 0.0, 255.0)? as u32;
    let size = convert::integer_in(&env, "size", size, 0.0, f64::from(IOC.max_size()))? as u32;
    // Each field was checked against its own width above: only the direction can still not fit.
    IOC.request(dir, ty, nr, size)
        .map(f64::from)
        .ok_or_else(|| out_of_range(&env, "direction", "a direction this layout encodes", dir))
}

/// `_IOC_SIZE(request)` for a request with a direction, else 0.
#[napi(catch_unwind)]
pub fn ioctl_size(env: Env, request: f64) -> Result<u32> {
    Ok(IOC.size(self::request(&env, request)?) as u32)
}
