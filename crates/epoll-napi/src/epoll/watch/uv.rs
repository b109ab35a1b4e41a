//! The libuv symbol table: the few libuv functions the event-loop watcher needs, looked up at run
//! time.
//!
//! Node exports libuv to addons, but Bun exports panicking stubs and other hosts may export nothing;
//! linking the symbols would make the addon fail to load there. `dlsym` finds them where they exist,
//! and the caller falls back to the watcher thread where they do not.

use std::ffi::{c_int, c_void, CStr};
use std::sync::OnceLock;

use napi::sys::uv_loop_s;

/// `UV_POLL` in libuv's `uv_handle_type`.
const UV_POLL: c_int = 8;
/// `UV_READABLE` in libuv's `uv_poll_event`.
pub const UV_READABLE: c_int = 1;

pub type PollCallback = unsafe extern "C" fn(handle: *mut c_void, status: c_int, events: c_int);
pub type CloseCallback = unsafe extern "C" fn(handle: *mut c_void);

type HandleSize = unsafe extern "C" fn(c_int) -> usize;
type BackendFd = unsafe extern "C" fn(*const uv_loop_s) -> c_int;
type PollInit = unsafe extern "C" fn(*mut uv_loop_s, *mut c_void, c_int) -> c_int;
type PollStart = unsafe extern "C" fn(*mut c_void, c_int, PollCallback) -> c_int;
type PollStop = unsafe extern "C" fn(*mut c_void) -> c_int;
type Close = unsafe extern "C" fn(*mut c_void, Option<CloseCallback>);
type HandleOp = unsafe extern "C" fn(*mut c_void);

pub struct Uv {
    pub handle_size: HandleSize,
    pub backend_fd: BackendFd,
    pub poll_init: PollInit,
    pub poll_start: PollStart,
    pub poll_stop: PollStop,
    pub close: Close,
    pub ref_handle: HandleOp,
    pub unref_handle: HandleOp,
}

impl Uv {
    /// The size of a `uv_poll_t` in this process's libuv.
    pub fn poll_handle_size(&self) -> usize {
        // SAFETY: uv_handle_size takes a handle type and reads nothing else.
        unsafe { (self.handle_size)(UV_POLL) }
    }
}

fn symbol(name: &CStr) -> Option<*mut c_void> {
    // SAFETY: `name` is NUL-terminated; RTLD_DEFAULT searches the global symbol scope (the host binary).
    let ptr = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!ptr.is_null()).then_some(ptr)
}

/// libuv's functions, or `None` where the host does not export all of them.
pub fn uv() -> Option<&'static Uv> {
    static UV: OnceLock<Option<Uv>> = OnceLock::new();
    UV.get_or_init(|| {
        // SAFETY: each symbol is libuv's function of that name, whose C signature the field's type
        // spells out (uv.h, libuv 1.x); transmuting a data pointer of the same size to it is how
        // dlsym results are used.
        unsafe {
            Some(Uv {
                handle_size: std::mem::transmute::<*mut c_void, HandleSize>(symbol(
                    c"uv_handle_size",
                )?),
                backend_fd: std::mem::transmute::<*mut c_void, BackendFd>(symbol(
                    c"uv_backend_fd",
                )?),
                poll_init: std::mem::transmute::<*mut c_void, PollInit>(symbol(c"uv_poll_init")?),
                poll_start: std::mem::transmute::<*mut c_void, PollStart>(symbol(
                    c"uv_poll_start",
                )?),
                poll_stop: std::mem::transmute::<*mut c_void, PollStop>(symbol(c"uv_poll_stop")?),
                close: std::mem::transmute::<*mut c_void, Close>(symbol(c"uv_close")?),
                ref_handle: std::mem::transmute::<*mut c_void, HandleOp>(symbol(c"uv_ref")?),
                unref_handle: std::mem::transmute::<*mut c_void, HandleOp>(symbol(c"uv_unref")?),
            })
        }
    })
    .as_ref()
}
