//! The libuv backend: a `uv_poll` handle on the epoll fd, on the loop of the thread that owns the
//! instance.
//!
//! libuv adds the fd to its own epoll set lazily and aborts the process if the kernel refuses; every
//! start therefore adds it right away ([`epoll_core::ensure_watched_by`]), so that a refusal is an error of
//! the call that started watching. A failure libuv reports later (a non-zero status in the poll
//! callback, after which libuv has stopped the handle) reaches the dispatcher as a coded error.

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::os::fd::{BorrowedFd, RawFd};
use std::ptr;

use epoll_core::OsError;
use napi::sys;

use super::uv::{Uv, UV_READABLE};
use super::{Teardown, WatchError, Watcher};

pub struct LibuvBackend {
    uv: &'static Uv,
    uv_loop: *mut sys::uv_loop_s,
    /// The `uv_poll_t`; null once closed. Its `data` field points to the watcher.
    handle: Cell<*mut c_void>,
    /// Lets worker teardown wait for the handle's close callback; null once removed.
    hook: Cell<sys::napi_async_cleanup_hook_handle>,
    /// The env teardown hook to remove once the handle is closed (teardown by the env only).
    closing_hook: Cell<sys::napi_async_cleanup_hook_handle>,
}

/// libuv's errors are negative errnos on Unix.
fn uv_error(status: c_int, what: &'static str, epfd: RawFd) -> OsError {
    OsError::new(-status, what).with_detail(format!("epoll fd {epfd} on the event loop"))
}

fn handle_layout(uv: &Uv) -> Layout {
    Layout::from_size_align(uv.poll_handle_size().max(64), 16).expect("uv_poll_t layout")
}

impl LibuvBackend {
    /// # Safety
    /// On the env's JavaScript thread; `watcher` outlives the handle (it is freed only after the
    /// close callback released the backend's hold) and the cleanup hook (removed before that).
    pub unsafe fn new(
        env: sys::napi_env,
        epfd: RawFd,
        uv: &'static Uv,
        watcher: *mut Watcher,
    ) -> Result<LibuvBackend, WatchError> {
        let layout = handle_layout(uv);
        let mut uv_loop = ptr::null_mut();
        // SAFETY: `layout` has a non-zero size; the loop comes from Node for this env's thread;
        // `handle->data` is the first field of every libuv handle (uv.h UV_HANDLE_FIELDS).
        unsafe {
            let status = sys::napi_get_uv_event_loop(env, &mut uv_loop);
            if status != sys::Status::napi_ok {
                return Err(
                    napi::Error::new(status.into(), "napi_get_uv_event_loop failed").into(),
                );
            }
            let handle = alloc_zeroed(layout).cast::<c_void>();
            if handle.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            // uv_poll_init checks with the kernel that the fd can join the loop's epoll set.
            let status = (uv.poll_init)(uv_loop, handle, epfd);
            if status != 0 {
                dealloc(handle.cast(), layout);
                return Err(uv_error(status, "epoll_ctl", epfd).into());
            }
            *handle.cast::<*mut c_void>() = watcher.cast();
            let mut hook = ptr::null_mut();
            if sys::napi_add_async_cleanup_hook(
                env,
                Some(on_env_teardown),
                watcher.cast(),
                &mut hook,
            ) != sys::Status::napi_ok
            {
                hook = ptr::null_mut();
            }
            Ok(LibuvBackend {
                uv,
                uv_loop,
                handle: Cell::new(handle),
                hook: Cell::new(hook),
                closing_hook: Cell::new(ptr::null_mut()),
            })
        }
    }

    pub fn start(&self, epfd: RawFd) -> Result<(), OsError> {
        let handle = self.handle.get();
        // SAFETY: the loop of this thread, alive as long as the env; its backend fd is libuv's epoll
        // fd, open for the loop's lifetime.
        let outer = unsafe { BorrowedFd::borrow_raw((self.uv.backend_fd)(self.uv_loop)) };
        // SAFETY: `handle` is an initialised, not yet closed uv_poll_t of this thread's loop.
        let status = unsafe { (self.uv.poll_start)(handle, UV_READABLE, on_poll) };
        if status != 0 {
            return Err(uv_error(status, "uv_poll_start", epfd));
        }
        // After uv_poll_start, which begins by removing the fd from libuv's epoll set: libuv's own
        // add comes on the next loop turn and finds it there.
        epoll_core::ensure_watched_by(outer, epfd).inspect_err(|_| self.stop())
    }

    pub fn stop(&self) {
        // SAFETY: a live handle of this thread's loop (never null before `close`).
        unsafe { (self.uv.poll_stop)(self.handle.get()) };
    }

    pub fn set_ref(&self, refed: bool) {
        let handle = self.handle.get();
        if handle.is_null() {
            return;
        }
        // SAFETY: a live handle of this thread's loop.
        unsafe {
            if refed {
                (self.uv.ref_handle)(handle)
            } else {
                (self.uv.unref_handle)(handle)
            }
        }
    }

    /// Stops and closes the handle; its close callback lets go of the watcher. `env_hook` is the
    /// hook Node is running (teardown by the env): it is removed once the handle is closed.
    pub fn close(&self, by: Teardown, env_hook: sys::napi_async_cleanup_hook_handle) {
        let own_hook = self.hook.replace(ptr::null_mut());
        let raw = self.handle.replace(ptr::null_mut());
        // SAFETY: the handle is live and owned here; once our hook is removed (or is the one
        // running) nothing else closes it.
        unsafe {
            if by == Teardown::Owner && !own_hook.is_null() {
                sys::napi_remove_async_cleanup_hook(own_hook);
            }
            self.closing_hook.set(env_hook);
            (self.uv.poll_stop)(raw);
            (self.uv.close)(raw, Some(on_closed));
        }
    }
}

/// libuv's poll callback: one batch for the watcher in the handle's `data`.
///
/// # Safety
/// Called by libuv on the loop's thread with a handle this backend opened.
unsafe extern "C" fn on_poll(handle: *mut c_void, status: c_int, _events: c_int) {
    // A panic must not unwind into libuv (it would abort the process): it ends this batch only.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: `handle->data` points to the watcher while the handle is open, and the backend's
        // hold keeps it live.
        unsafe {
            let watcher = *handle.cast::<*const Watcher>();
            if watcher.is_null() {
                return;
            }
            // On a failure libuv has already stopped the handle.
            let failed = (status < 0).then(|| uv_error(status, "uv_poll", (*watcher).epfd));
            Watcher::dispatch(watcher, failed);
        }
    });
}

/// libuv's close callback: frees the handle and releases the backend's hold on the watcher.
///
/// # Safety
/// Called by libuv, once, for a handle this backend closed.
unsafe extern "C" fn on_closed(handle: *mut c_void) {
    // SAFETY: libuv is done with the handle; `data` still points to the watcher, whose backend hold
    // is released here.
    unsafe {
        let watcher = *handle.cast::<*const Watcher>();
        if let Some(uv) = super::uv::uv() {
            dealloc(handle.cast(), handle_layout(uv));
        }
        if watcher.is_null() {
            return;
        }
        let hook = match (*watcher).backend.as_ref() {
            Some(super::Backend::Libuv(b)) => b.closing_hook.replace(ptr::null_mut()),
            _ => ptr::null_mut(),
        };
        Watcher::release(watcher);
        if !hook.is_null() {
            sys::napi_remove_async_cleanup_hook(hook);
        }
    }
}

/// Worker or env teardown with the handle still open: close it, and let Node wait for the close
/// callback (`uv_loop_close` aborts with open handles).
///
/// # Safety
/// Called by Node on the env's thread with the watcher the hook was added for.
unsafe extern "C" fn on_env_teardown(hook: sys::napi_async_cleanup_hook_handle, arg: *mut c_void) {
    // SAFETY: `arg` is the live watcher: the owner removes this hook before it lets go.
    unsafe {
        let w = &*arg.cast::<Watcher>();
        if w.torn_down.get() {
            sys::napi_remove_async_cleanup_hook(hook);
        } else {
            w.tear_down(Teardown::Env, hook);
        }
    }
}
