//! The native half of the `Epoll` class: one method per core operation, and the event-loop watcher
//! it owns.

use std::cell::RefCell;
use std::rc::Rc;

use epoll_core::{Epoll, Timeout};
use napi::bindgen_prelude::{Function, Unknown};
use napi::{Env, JsValue, Result};
use napi_derive::napi;

use super::watch::{Kind, Watcher};
use crate::convert;
use crate::errors;

/// Owned by the TypeScript `Epoll`; when it is garbage-collected the watcher stops and the core
/// closes the fd.
#[napi]
pub struct NativeEpoll {
    /// The core instance, shared with the watcher (which holds it weakly) so that both wait through
    /// its one event buffer. Only the JavaScript thread touches it, and never while JavaScript runs
    /// inside a borrow.
    inner: Rc<RefCell<Epoll>>,
    /// The event-loop watcher, created by the first `watch()`; null before and after.
    watcher: *mut Watcher,
}

impl NativeEpoll {
    fn adopt(inner: Epoll) -> NativeEpoll {
        NativeEpoll {
            inner: Rc::new(RefCell::new(inner)),
            watcher: std::ptr::null_mut(),
        }
    }

    /// The instance's wait into `[fd, events]` pairs: what `pollInto` and `pollRead` call.
    pub fn wait_into(&self, out: &mut [u32], timeout: Timeout) -> epoll_core::Result<usize> {
        self.inner.borrow_mut().wait_into(out, timeout)
    }

    // The methods below run per registration (and per event for one-shot re-arming): they take
    // `Unknown` and convert with the kit, so that no napi-rs conversion can fail in them and
    // `errors::guard_exports` leaves them unguarded (its guard costs a second call into JavaScript).
    fn fd_arg(env: &Env, fd: Unknown<'_>) -> Result<i32> {
        convert::fd_arg(env, fd.raw())
    }

    fn events_arg(env: &Env, events: Unknown<'_>) -> Result<u32> {
        convert::mask(env, "events", convert::number(env, "events", events.raw())?)
    }
}

#[napi]
impl NativeEpoll {
    #[napi(constructor, catch_unwind, ts_args_type = "closeOnExec: boolean")]
    pub fn new(env: Env, close_on_exec: Unknown<'_>) -> Result<Self> {
        // Converted here: a constructor is the one napi-rs function `errors::guard_exports` cannot guard.
        let close_on_exec = convert::boolean(&env, "closeOnExec", close_on_exec.raw())?;
        let inner = Epoll::new(close_on_exec).map_err(|e| errors::throw(&env, e))?;
        Ok(NativeEpoll::adopt(inner))
    }

    #[napi(factory, catch_unwind, ts_args_type = "fd: number")]
    pub fn from_fd(env: Env, fd: Unknown<'_>) -> Result<Self> {
        // Converted here: napi-rs defines a factory non-configurable, so `errors::guard_exports`
        // cannot put its guard around it.
        let fd = convert::fd_arg(&env, fd.raw())?;
        let inner = Epoll::from_fd(fd).map_err(|e| errors::throw(&env, e))?;
        Ok(NativeEpoll::adopt(inner))
    }

    /// The epoll fd, -1 once closed.
    #[napi(getter, catch_unwind)]
    pub fn fd(&self) -> i32 {
        self.inner.borrow().fd().unwrap_or(-1)
    }

    #[napi(getter, catch_unwind)]
    pub fn size(&self) -> u32 {
        self.inner.borrow().size() as u32
    }

    #[napi(catch_unwind, ts_args_type = "fd: number")]
    pub fn has(&self, env: Env, fd: Unknown<'_>) -> Result<bool> {
        let fd = NativeEpoll::fd_arg(&env, fd)?;
        Ok(self.inner.borrow().has(fd))
    }

    /// The interest mask of a registered fd, or -1.
    #[napi(catch_unwind, ts_args_type = "fd: number")]
    pub fn interest(&self, env: Env, fd: Unknown<'_>) -> Result<f64> {
        let fd = NativeEpoll::fd_arg(&env, fd)?;
        Ok(self.inner.borrow().interest(fd).map_or(-1.0, f64::from))
    }

    #[napi(catch_unwind, ts_args_type = "fd: number, events: number")]
    pub fn register(&mut self, env: Env, fd: Unknown<'_>, events: Unknown<'_>) -> Result<()> {
        let fd = NativeEpoll::fd_arg(&env, fd)?;
        let events = NativeEpoll::events_arg(&env, events)?;
        let registered = self.inner.borrow_mut().register(fd, events);
        registered.map_err(|e| errors::throw(&env, e))
    }

    #[napi(catch_unwind, ts_args_type = "fd: number, events: number")]
    pub fn modify(&mut self, env: Env, fd: Unknown<'_>, events: Unknown<'_>) -> Result<()> {
        let fd = NativeEpoll::fd_arg(&env, fd)?;
        let events = NativeEpoll::events_arg(&env, events)?;
        let modified = self.inner.borrow_mut().modify(fd, events);
        modified.map_err(|e| errors::throw(&env, e))
    }

    #[napi(catch_unwind, ts_args_type = "fd: number")]
    pub fn unregister(&mut self, env: Env, fd: Unknown<'_>) -> Result<()> {
        let fd = NativeEpoll::fd_arg(&env, fd)?;
        let unregistered = self.inner.borrow_mut().unregister(fd);
        unregistered.map_err(|e| errors::throw(&env, e))
    }

    #[napi(catch_unwind, ts_args_type = "fd: number")]
    pub fn suspend(&mut self, env: Env, fd: Unknown<'_>) -> Result<()> {
        let fd = NativeEpoll::fd_arg(&env, fd)?;
        let suspended = self.inner.borrow_mut().suspend(fd);
        suspended.map_err(|e| errors::throw(&env, e))
    }

    #[napi(catch_unwind, ts_args_type = "fd: number")]
    pub fn resume(&mut self, env: Env, fd: Unknown<'_>) -> Result<()> {
        let fd = NativeEpoll::fd_arg(&env, fd)?;
        let resumed = self.inner.borrow_mut().resume(fd);
        resumed.map_err(|e| errors::throw(&env, e))
    }

    // The blocking poll (`epoll_wait` into a Uint32Array) is the hand-made `pollInto` (`poll.rs`).

    /// Prepares delivery on this thread's event loop: when the epoll fd is readable, events are
    /// written into `out` and `dispatch(count)` is called once per batch (`count < 0` is `-errno`,
    /// with the failed call's name). `kind` picks the watcher: `'libuv'`, `'thread'` (a thread waits
    /// for readiness), or `'direct'` (a thread calls `epoll_wait` on the instance itself). Starts
    /// stopped.
    #[napi(
        catch_unwind,
        ts_args_type = "dispatch: (count: number, failedSyscall?: string) => void, out: Uint32Array, kind: 'libuv' | 'thread' | 'direct'"
    )]
    pub fn watch(
        &mut self,
        env: Env,
        dispatch: Function<'_, Unknown<'_>, ()>,
        out: Unknown<'_>,
        kind: Unknown<'_>,
    ) -> Result<()> {
        convert::typed::<u32>(&env, "out", out.raw())?;
        let kind = convert::string(&env, "kind", kind.raw())?;
        let epfd = self
            .inner
            .borrow()
            .fd()
            .map_err(|e| errors::throw(&env, e))?;
        if !self.watcher.is_null() {
            return Err(napi::Error::from_reason(
                "this instance already has a watcher",
            ));
        }
        // The TypeScript layer picks one of the three; anything else has always meant libuv.
        let kind = match kind.as_str() {
            "thread" => Kind::Thread,
            "direct" => Kind::Direct,
            _ => Kind::Libuv,
        };
        let epoll = Rc::downgrade(&self.inner);
        // SAFETY: on the JS thread with live handles; the epoll fd stays open until `release_watcher`
        // runs, which `close`, `unwatch` and `Drop` call before the core closes the fd.
        self.watcher =
            unsafe { Watcher::create(env.raw(), epoll, epfd, dispatch.raw(), out.raw(), kind)? };
        Ok(())
    }

    /// Tears the watcher down (to watch again with another kind).
    #[napi(catch_unwind)]
    pub fn unwatch(&mut self) {
        self.release_watcher();
    }

    /// Whether a registered fd needs a direct watcher (procfs and cgroup files, whose readiness a
    /// nested poll would consume).
    #[napi(getter, catch_unwind)]
    pub fn needs_direct_watch(&self) -> bool {
        self.inner.borrow().needs_direct_wait()
    }

    /// `'libuv'`, `'thread'`, or `'none'` before `watch()`.
    #[napi(getter, catch_unwind, ts_return_type = "'libuv' | 'thread' | 'none'")]
    pub fn watcher_kind(&self) -> &'static str {
        // SAFETY: a non-null watcher is live until `release_watcher`.
        match unsafe { self.watcher.as_ref() }.map(Watcher::kind) {
            Some(Kind::Libuv) => "libuv",
            Some(Kind::Thread | Kind::Direct) => "thread",
            None => "none",
        }
    }

    /// Starting fails with the kernel's error (`ELOOP`, `EINVAL`) when the epoll fd cannot join the
    /// event loop's epoll set; then nothing changed.
    #[napi(catch_unwind)]
    pub fn set_watching(&self, active: bool) -> Result<()> {
        // SAFETY: as in `watcher_kind`.
        match unsafe { self.watcher.as_ref() } {
            Some(watcher) => watcher.set_active(active),
            None => Ok(()),
        }
    }

    /// Whether an active watcher keeps the process alive.
    #[napi(catch_unwind)]
    pub fn set_ref(&self, refed: bool) {
        // SAFETY: as in `watcher_kind`.
        if let Some(watcher) = unsafe { self.watcher.as_ref() } {
            watcher.set_ref(refed);
        }
    }

    #[napi(catch_unwind)]
    pub fn close(&mut self) {
        self.release_watcher();
        self.inner.borrow_mut().close();
    }

    fn release_watcher(&mut self) {
        let watcher = std::mem::replace(&mut self.watcher, std::ptr::null_mut());
        if !watcher.is_null() {
            // SAFETY: created by `watch`, given up exactly once here.
            unsafe { Watcher::release_by_owner(watcher) };
        }
    }
}

impl Drop for NativeEpoll {
    fn drop(&mut self) {
        // The watcher must let go of the epoll fd before the core closes it.
        self.release_watcher();
    }
}

/// Busy polling (Linux >= 6.9), in its own impl block: the core's `busy_poll.rs`, mirrored.
#[napi]
impl NativeEpoll {
    /// `EPIOCSPARAMS`: arguments validated by the TypeScript layer (`busy-poll`).
    #[napi(catch_unwind)]
    pub fn set_busy_poll(&self, env: Env, usecs: f64, budget: f64, prefer: bool) -> Result<()> {
        let usecs = convert::integer_in(&env, "usecs", usecs, 0.0, f64::from(i32::MAX))? as u32;
        let budget = convert::integer_in(&env, "budget", budget, 0.0, f64::from(u16::MAX))? as u16;
        let params = epoll_core::BusyPoll {
            usecs,
            budget,
            prefer,
        };
        let set = self.inner.borrow().set_busy_poll(params);
        set.map_err(|e| errors::throw(&env, e))
    }

    /// `EPIOCGPARAMS`.
    #[napi(catch_unwind)]
    pub fn get_busy_poll(&self, env: Env) -> Result<BusyPollParams> {
        let params = self.inner.borrow().busy_poll();
        let p = params.map_err(|e| errors::throw(&env, e))?;
        Ok(BusyPollParams {
            usecs: p.usecs,
            budget: p.budget.into(),
            prefer: p.prefer,
        })
    }
}

/// An epoll instance's busy-poll parameters, as `getBusyPoll` returns them.
#[napi(object)]
pub struct BusyPollParams {
    pub usecs: u32,
    pub budget: u32,
    pub prefer: bool,
}
