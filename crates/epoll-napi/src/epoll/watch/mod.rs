//! Readiness of an epoll fd delivered on the owning JavaScript thread's event loop, one JavaScript
//! call per batch of events.
//!
//! - [`libuv`]: on Node, a `uv_poll` handle watches the epoll fd on the loop of the thread that created
//!   the instance (main thread or worker): no helper thread. [`uv`] is its symbol table.
//! - [`thread`]: elsewhere (Bun, Deno), a thread waits for readiness and wakes the loop through a
//!   threadsafe function, then waits for the loop to finish the batch (one wake-up per batch).
//! - This file: the watcher both backends share, its one batch ([`Watcher::dispatch`]:
//!   `epoll_wait(…, 0)` through the core `Epoll` into the caller's `Uint32Array`, then one call of
//!   the JavaScript dispatcher with the number of events, or `-errno`), its lifetime and its one
//!   teardown.
//! - [`js`]: the JavaScript values the watcher keeps.
//!
//! Lifetime: a holder count. The owner (the `NativeEpoll`), the backend (until libuv's close callback
//! or the threadsafe function's finalizer) and a running dispatch each hold the watcher; the last to
//! let go frees it. The watcher can therefore outlive its `NativeEpoll` (until libuv or Node is done
//! with the backend), so it holds the core `Epoll` weakly: a batch waits through the instance's own
//! `wait_into` and event buffer while the instance lives, and finds nothing to wait on afterwards
//! (it never runs then anyway: the owner tears the watcher down before it lets go).
//!
//! One buffer is not shared: a direct wait's thread (`thread.rs`) blocks in `epoll_wait` off the
//! JavaScript thread, where the instance (single-threaded, behind an `Rc`) cannot be reached; it
//! waits through the core's `DirectWait`, the same `EventBuffer::wait` with its own buffer.

mod js;
mod libuv;
mod thread;
mod uv;

use std::cell::{Cell, RefCell};
use std::os::fd::RawFd;
use std::ptr;
use std::rc::Weak;

use epoll_core::{Epoll, Error, OsError, Timeout};
use napi::sys;

use js::JsRefs;
use libuv::LibuvBackend;
use thread::ThreadBackend;

/// How readiness reaches the loop.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// A `uv_poll` handle on the loop (Node).
    Libuv,
    /// A thread that waits for readiness (Bun, Deno).
    Thread,
    /// A thread that calls `epoll_wait` on the instance itself (files a nested poll would consume).
    Direct,
}

enum Backend {
    Libuv(LibuvBackend),
    Thread(ThreadBackend),
}

/// Who tears the watcher down.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Teardown {
    /// The owner let go: release everything, including the JavaScript references.
    Owner,
    /// The env (a worker) is ending: Node releases the references itself.
    Env,
}

pub struct Watcher {
    env: sys::napi_env,
    /// The instance whose events a batch takes (weak: see the module's lifetime notes).
    epoll: Weak<RefCell<Epoll>>,
    /// Its fd, for the backends (libuv's poll handle, the watcher thread) and error details.
    epfd: RawFd,
    js: RefCell<JsRefs>,
    /// Set once, right after creation.
    backend: Option<Backend>,
    active: Cell<bool>,
    refed: Cell<bool>,
    torn_down: Cell<bool>,
    holders: Cell<u32>,
}

/// Throws `error` as a Node-style system error (`code`, `errno`, `syscall`) and returns the marker.
fn throw_os(env: sys::napi_env, error: OsError) -> napi::Error {
    crate::errors::throw(&napi::Env::from_raw(env), error.into())
}

impl Watcher {
    /// Creates a watcher of `epoll` (whose fd is `epfd`) that calls `callback(count)` with events
    /// written into `out` (a `Uint32Array`). It starts inactive and referenced. The kernel's or
    /// libuv's refusal to watch the fd is a coded system error.
    ///
    /// # Safety
    /// On the JavaScript thread of `env`, with live values of the current scope; `epfd` must stay
    /// open until [`Watcher::release_by_owner`] is called.
    pub unsafe fn create(
        env: sys::napi_env,
        epoll: Weak<RefCell<Epoll>>,
        epfd: RawFd,
        callback: sys::napi_value,
        out: sys::napi_value,
        kind: Kind,
    ) -> napi::Result<*mut Watcher> {
        // SAFETY: as the caller promises.
        let js = unsafe { JsRefs::new(env, callback, out)? };
        let watcher = Box::into_raw(Box::new(Watcher {
            env,
            epoll,
            epfd,
            js: RefCell::new(js),
            backend: None,
            active: Cell::new(false),
            refed: Cell::new(true),
            torn_down: Cell::new(false),
            // The owner and the backend.
            holders: Cell::new(2),
        }));
        // The backends below keep the pointer to `watcher` (just allocated) but cannot call back
        // before this function returns (the libuv handle is not started, the thread is inactive).
        let backend = match (kind, uv::uv()) {
            (Kind::Libuv, Some(uv)) => {
                // SAFETY: on the env's thread (the caller's promise); `watcher` as said above.
                unsafe { LibuvBackend::new(env, epfd, uv, watcher) }.map(Backend::Libuv)
            }
            (Kind::Direct, _) => {
                // SAFETY: `watcher` is ours alone; its `out` is a live reference of this scope.
                let capacity = unsafe { (*watcher).js.borrow().out() }.map_or(1, |o| o.len() / 2);
                // SAFETY: as for libuv; a batch never holds more than `out` can take.
                unsafe { ThreadBackend::new(env, epfd, watcher, Some(capacity.max(1))) }
                    .map(Backend::Thread)
            }
            // SAFETY: as for libuv.
            _ => unsafe { ThreadBackend::new(env, epfd, watcher, None) }.map(Backend::Thread),
        };
        match backend {
            Ok(backend) => {
                // SAFETY: still exclusively ours.
                unsafe { (*watcher).backend = Some(backend) };
                Ok(watcher)
            }
            Err(e) => {
                // SAFETY: the failed backend kept no pointer to `watcher`; free it and its JS state.
                unsafe {
                    (*watcher).js.borrow_mut().release();
                    drop(Box::from_raw(watcher));
                }
                Err(match e {
                    WatchError::Os(os) => throw_os(env, os),
                    WatchError::Napi(e) => e,
                })
            }
        }
    }

    fn backend(&self) -> &Backend {
        self.backend.as_ref().expect("a watcher has its backend")
    }

    pub fn kind(&self) -> Kind {
        match self.backend() {
            Backend::Libuv(_) => Kind::Libuv,
            Backend::Thread(b) if b.is_direct() => Kind::Direct,
            Backend::Thread(_) => Kind::Thread,
        }
    }

    /// Starts or stops watching. A stopped watcher never keeps the process alive. Starting fails
    /// with the kernel's error when the epoll fd cannot join the event loop's epoll set (`ELOOP`,
    /// `EINVAL`): nothing changed then.
    pub fn set_active(&self, active: bool) -> napi::Result<()> {
        if self.torn_down.get() || self.active.get() == active {
            return Ok(());
        }
        let started = match (self.backend(), active) {
            (Backend::Libuv(b), true) => b.start(self.epfd),
            (Backend::Libuv(b), false) => {
                b.stop();
                Ok(())
            }
            (Backend::Thread(b), _) => {
                b.set_active(active);
                Ok(())
            }
        };
        started.map_err(|e| throw_os(self.env, e))?;
        self.active.set(active);
        self.js.borrow().keep_alive(active);
        self.apply_ref();
        Ok(())
    }

    /// Whether an active watcher keeps the process alive.
    pub fn set_ref(&self, refed: bool) {
        self.refed.set(refed);
        self.apply_ref();
    }

    fn apply_ref(&self) {
        if self.torn_down.get() {
            return;
        }
        match self.backend() {
            Backend::Libuv(b) => b.set_ref(self.refed.get()),
            // A threadsafe function keeps the loop alive even while idle: only while watching.
            Backend::Thread(b) => b.set_ref(self.env, self.refed.get() && self.active.get()),
        }
    }

    /// One batch: `epoll_wait(…, 0)` into the `Uint32Array`, then one call of the dispatcher.
    /// `failed` (a negative libuv status) is passed on as the count instead.
    ///
    /// # Safety
    /// `this` is a live watcher; called on its JavaScript thread from a libuv or threadsafe-function
    /// callback (no JavaScript on the stack).
    unsafe fn dispatch(this: *const Watcher, failed: Option<OsError>) {
        // SAFETY: live: the caller's backend holds it, and this dispatch holds it from here on.
        let w = unsafe { &*this };
        // A direct wait's events were taken from the kernel: they are delivered even if watching
        // stopped since (the dispatcher keeps what no handler wants).
        let direct = matches!(w.backend(), Backend::Thread(b) if b.is_direct());
        if w.torn_down.get() || (!w.active.get() && !direct) {
            return;
        }
        w.holders.set(w.holders.get() + 1);
        let mut scope = ptr::null_mut();
        // SAFETY: on the env's thread with no scope open; every handle below lives in `scope`.
        unsafe {
            if sys::napi_open_handle_scope(w.env, &mut scope) == sys::Status::napi_ok {
                let (count, syscall) = match failed {
                    Some(e) => (-e.errno, Some(e.syscall)),
                    None => w.fill_out(),
                };
                if count != 0 {
                    // The dispatcher may close the instance: only `this` (held) is used afterwards.
                    let js = w.js.as_ptr();
                    (*js).call(count, syscall);
                }
                sys::napi_close_handle_scope(w.env, scope);
            }
            Watcher::release(this);
        }
    }

    /// Events written into the out array, or `-errno` and `epoll_wait` when it failed.
    ///
    /// # Safety
    /// Called by [`Watcher::dispatch`] only, inside its handle scope, before any JavaScript runs.
    unsafe fn fill_out(&self) -> (i32, Option<&'static str>) {
        const FAILED: Option<&str> = Some("epoll_wait");
        // SAFETY: inside the dispatch's handle scope; `out` is dropped before JavaScript runs.
        let Some(out) = (unsafe { self.js.borrow().out() }) else {
            return (-libc::EINVAL, FAILED);
        };
        if let Backend::Thread(b) = self.backend() {
            if b.is_direct() {
                return (b.take_batch(out) as i32, None);
            }
        }
        // A dispatch runs only while the watcher is not torn down, so the owner still holds the
        // instance; the upgrade fails only if that ever changed, and then there is nothing to wait on.
        let Some(epoll) = self.epoll.upgrade() else {
            return (-libc::EBADF, FAILED);
        };
        // No JavaScript runs during a dispatch's wait, so no method of the instance holds it now; if
        // one somehow did, taking no events is safe (a level-triggered fd is reported again).
        let Ok(mut epoll) = epoll.try_borrow_mut() else {
            return (0, None);
        };
        match epoll.wait_into(out, Timeout::Immediate) {
            Ok(n) => (n as i32, None),
            Err(Error::Os(e)) => (-e.errno, FAILED),
            Err(_) => (-libc::EBADF, FAILED),
        }
    }

    /// The owner (the `NativeEpoll`) is done with the watcher: tear it down and let go. Call before
    /// closing the epoll fd.
    ///
    /// # Safety
    /// `this` came from [`Watcher::create`] and is not used by the caller afterwards; on the JS thread.
    pub unsafe fn release_by_owner(this: *mut Watcher) {
        // SAFETY: the owner's hold keeps it live until `release`.
        unsafe {
            (*this).tear_down(Teardown::Owner, ptr::null_mut());
            Watcher::release(this);
        }
    }

    /// The one teardown: stops the backend for good (it lets go of the watcher once libuv or Node is
    /// done with it) and, for the owner, releases the JavaScript references. Runs once; later calls
    /// do nothing.
    fn tear_down(&self, by: Teardown, env_hook: sys::napi_async_cleanup_hook_handle) {
        if self.torn_down.replace(true) {
            return;
        }
        self.active.set(false);
        match self.backend() {
            Backend::Libuv(b) => b.close(by, env_hook),
            Backend::Thread(b) => b.close(self.env, by),
        }
        if by == Teardown::Owner {
            // SAFETY: on the env's thread; `torn_down` makes this the only release.
            unsafe { self.js.borrow_mut().release() };
        }
    }

    /// Lets go of one hold; the last one frees the watcher.
    ///
    /// # Safety
    /// `this` is live and the caller holds it; it must not use `this` afterwards.
    unsafe fn release(this: *const Watcher) {
        // SAFETY: live while held; freed here exactly once, when the count reaches zero.
        unsafe {
            let left = (*this).holders.get() - 1;
            (*this).holders.set(left);
            if left == 0 {
                drop(Box::from_raw(this.cast_mut()));
            }
        }
    }
}

/// A backend could not be made: a system error (coded for JavaScript) or a Node-API failure.
pub(crate) enum WatchError {
    Os(OsError),
    Napi(napi::Error),
}

impl From<OsError> for WatchError {
    fn from(e: OsError) -> Self {
        WatchError::Os(e)
    }
}

impl From<napi::Error> for WatchError {
    fn from(e: napi::Error) -> Self {
        WatchError::Napi(e)
    }
}
