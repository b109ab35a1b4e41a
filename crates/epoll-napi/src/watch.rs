//! Readiness of an epoll fd delivered on the owning JavaScript thread's event loop, one JS call per
//! batch of events.
//!
//! On Node (and hosts with a working libuv) a `uv_poll` handle watches the epoll fd on the loop of the
//! thread that created the instance: no helper thread. Elsewhere (Bun) a thread waits for readiness of
//! the epoll fd and wakes the loop through a threadsafe function, then waits for the loop to finish the
//! batch before it waits again (one wake-up per batch, never a spin). Both paths end in
//! [`Watcher::dispatch`]: `epoll_wait(…, 0)` into the caller's `Uint32Array`, then one call of the
//! JavaScript dispatcher with the number of events (or `-errno`).
//!
//! Lifetime: the watcher is shared by its owner (the `NativeEpoll`) and its backend (the libuv handle or
//! the threadsafe function), and may be mid-dispatch when JavaScript closes the owner. It is freed when
//! the owner let go, the backend is released and no dispatch is running.

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::cell::{Cell, RefCell};
use std::ffi::{c_int, c_void};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

use epoll_core::{Error, EventBuffer, OsError, Timeout};
use napi::sys;

use crate::uv::{self, Uv, UV_READABLE};

/// How readiness reaches the loop.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Libuv,
    Thread,
}

pub struct Watcher {
    env: sys::napi_env,
    epfd: RawFd,
    events: RefCell<EventBuffer>,
    callback: sys::napi_ref,
    out: sys::napi_ref,
    resource: sys::napi_ref,
    async_context: sys::napi_async_context,
    backend: Backend,
    active: Cell<bool>,
    refed: Cell<bool>,
    dispatching: Cell<bool>,
    shut_down: Cell<bool>,
    owner_gone: Cell<bool>,
    backend_released: Cell<bool>,
    /// Set while teardown waits for the handle to close.
    teardown_hook: Cell<sys::napi_async_cleanup_hook_handle>,
}

enum Backend {
    None,
    Libuv {
        uv: &'static Uv,
        /// The `uv_poll_t`; null once closed.
        handle: Cell<*mut c_void>,
        /// Lets worker teardown wait for the handle's close callback; null once removed.
        hook: Cell<sys::napi_async_cleanup_hook_handle>,
    },
    Thread(ThreadBackend),
}

struct ThreadBackend {
    tsfn: Cell<sys::napi_threadsafe_function>,
    shared: Arc<ThreadShared>,
    wake_fd: OwnedFd,
    thread: RefCell<Option<JoinHandle<()>>>,
    cleanup_hook_registered: Cell<bool>,
}

#[derive(Default)]
struct ThreadShared {
    state: Mutex<ThreadState>,
    changed: Condvar,
    /// Set once, before the thread is ever activated.
    tsfn: OnceLock<SendPtr>,
}

#[derive(Default)]
struct ThreadState {
    active: bool,
    awaiting_ack: bool,
    stop: bool,
}

impl ThreadShared {
    fn lock(&self) -> MutexGuard<'_, ThreadState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Throws a Node-style system error (`code`, `errno`, `syscall`) and returns the pending marker.
fn os_error(env: sys::napi_env, error: OsError) -> napi::Error {
    crate::errors::throw(&napi::Env::from_raw(env), error.into())
}

fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            napi::Status::from(status),
            format!("{what} failed"),
        ))
    }
}

impl Watcher {
    /// Creates a watcher of `epfd` that calls `callback(count)` with events written into `out` (a
    /// `Uint32Array`). It starts inactive and referenced.
    ///
    /// # Safety
    /// Must be called on the JavaScript thread of `env`, with live values of the current scope; `epfd`
    /// must stay open until [`Watcher::release_by_owner`] is called.
    pub unsafe fn create(
        env: sys::napi_env,
        epfd: RawFd,
        callback: sys::napi_value,
        out: sys::napi_value,
        kind: Kind,
    ) -> napi::Result<*mut Watcher> {
        let mut refs = [ptr::null_mut(); 3];
        let mut resource = ptr::null_mut();
        let mut name = ptr::null_mut();
        let mut async_context = ptr::null_mut();
        // SAFETY: the values are live handles of this call; out-pointers are valid locals.
        unsafe {
            // Weak while idle: the callback closes over the JS `Epoll`, which owns this watcher, and a
            // strong reference would keep an unreachable idle instance alive forever.
            check(
                sys::napi_create_reference(env, callback, 0, &mut refs[0]),
                "napi_create_reference",
            )?;
            check(
                sys::napi_create_reference(env, out, 1, &mut refs[1]),
                "napi_create_reference",
            )?;
            check(
                sys::napi_create_object(env, &mut resource),
                "napi_create_object",
            )?;
            check(
                sys::napi_create_reference(env, resource, 1, &mut refs[2]),
                "napi_create_reference",
            )?;
            check(
                sys::napi_create_string_utf8(env, c"EpollWatcher".as_ptr(), 12, &mut name),
                "napi_create_string_utf8",
            )?;
            check(
                sys::napi_async_init(env, resource, name, &mut async_context),
                "napi_async_init",
            )?;
        }
        let watcher = Box::into_raw(Box::new(Watcher {
            env,
            epfd,
            events: RefCell::default(),
            callback: refs[0],
            out: refs[1],
            resource: refs[2],
            async_context,
            backend: Backend::None,
            active: Cell::new(false),
            refed: Cell::new(true),
            dispatching: Cell::new(false),
            shut_down: Cell::new(false),
            owner_gone: Cell::new(false),
            backend_released: Cell::new(false),
            teardown_hook: Cell::new(ptr::null_mut()),
        }));
        // SAFETY: `watcher` was just allocated and nothing else refers to it yet.
        let backend = match (kind, uv::uv()) {
            (Kind::Libuv, Some(uv)) => unsafe { Watcher::libuv_backend(env, epfd, uv, watcher) },
            _ => unsafe { Watcher::thread_backend(env, epfd, watcher) },
        };
        match backend {
            Ok(backend) => {
                // SAFETY: still exclusively ours; the backend holds the pointer but cannot run yet.
                unsafe { (*watcher).backend = backend };
                Ok(watcher)
            }
            Err(e) => {
                // SAFETY: the failed backend kept no pointer to `watcher`; free it and its JS state.
                unsafe {
                    (*watcher).release_js_state();
                    drop(Box::from_raw(watcher));
                }
                Err(e)
            }
        }
    }

    unsafe fn libuv_backend(
        env: sys::napi_env,
        epfd: RawFd,
        uv: &'static Uv,
        watcher: *mut Watcher,
    ) -> napi::Result<Backend> {
        let layout = handle_layout(uv);
        let mut uv_loop = ptr::null_mut();
        // SAFETY: `layout` has a non-zero size; the loop pointer comes from Node for this env's
        // thread; `handle->data` is the first field of every libuv handle (uv.h UV_HANDLE_FIELDS).
        unsafe {
            check(
                sys::napi_get_uv_event_loop(env, &mut uv_loop),
                "napi_get_uv_event_loop",
            )?;
            let handle = alloc_zeroed(layout).cast::<c_void>();
            if handle.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            let status = (uv.poll_init)(uv_loop, handle, epfd);
            if status != 0 {
                dealloc(handle.cast(), layout);
                return Err(napi::Error::from_reason(format!(
                    "uv_poll_init failed ({status})"
                )));
            }
            *handle.cast::<*mut c_void>() = watcher.cast();
            let mut hook = ptr::null_mut();
            let status = sys::napi_add_async_cleanup_hook(
                env,
                Some(on_env_teardown),
                watcher.cast(),
                &mut hook,
            );
            if status != sys::Status::napi_ok {
                hook = ptr::null_mut();
            }
            Ok(Backend::Libuv {
                uv,
                handle: Cell::new(handle),
                hook: Cell::new(hook),
            })
        }
    }

    unsafe fn thread_backend(
        env: sys::napi_env,
        epfd: RawFd,
        watcher: *mut Watcher,
    ) -> napi::Result<Backend> {
        // SAFETY: eventfd takes no pointers; the fd it returns is owned right away.
        let wake_fd = match unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) } {
            -1 => return Err(os_error(env, OsError::last("eventfd"))),
            // SAFETY: a fresh fd nothing else owns.
            fd => unsafe { OwnedFd::from_raw_fd(fd) },
        };
        // The thread starts first and idles (inactive) until the threadsafe function exists: a
        // failure below then only has to stop it, and never leaves a threadsafe function pointing at
        // a watcher that is about to be freed.
        let shared = Arc::new(ThreadShared::default());
        let thread = {
            let shared = Arc::clone(&shared);
            let wake = wake_fd.as_raw_fd();
            std::thread::Builder::new()
                .name("epoll-napi-watcher".into())
                .spawn(move || watch_thread(epfd, wake, &shared))
                .map_err(|e| {
                    let errno = e.raw_os_error().unwrap_or(libc::EAGAIN);
                    os_error(
                        env,
                        OsError::new(errno, "pthread_create").with_detail("the watcher thread"),
                    )
                })?
        };
        let stop = |thread: JoinHandle<()>| {
            shared.lock().stop = true;
            shared.changed.notify_all();
            let _ = thread.join();
        };
        let mut name = ptr::null_mut();
        let mut tsfn = ptr::null_mut();
        // SAFETY: out-pointers are valid locals; `watcher` outlives the threadsafe function (it is only
        // freed after `on_tsfn_finalized` ran) and the cleanup hook (removed before it is freed).
        let created = unsafe {
            check(
                sys::napi_create_string_utf8(env, c"EpollWatcherThread".as_ptr(), 18, &mut name),
                "napi_create_string_utf8",
            )
            .and_then(|()| {
                check(
                    sys::napi_add_env_cleanup_hook(
                        env,
                        Some(on_env_cleanup_thread),
                        watcher.cast(),
                    ),
                    "napi_add_env_cleanup_hook",
                )
            })
            .and_then(|()| {
                let status = sys::napi_create_threadsafe_function(
                    env,
                    ptr::null_mut(),
                    ptr::null_mut(),
                    name,
                    0,
                    1,
                    ptr::null_mut(),
                    Some(on_tsfn_finalized),
                    watcher.cast(),
                    Some(on_tsfn_call),
                    &mut tsfn,
                );
                if status != sys::Status::napi_ok {
                    sys::napi_remove_env_cleanup_hook(
                        env,
                        Some(on_env_cleanup_thread),
                        watcher.cast(),
                    );
                }
                check(status, "napi_create_threadsafe_function")
            })
        };
        if let Err(e) = created {
            stop(thread);
            return Err(e);
        }
        // Inactive at first: it must not keep the process alive.
        // SAFETY: the threadsafe function was just created for this env.
        unsafe { sys::napi_unref_threadsafe_function(env, tsfn) };
        let _ = shared.tsfn.set(SendPtr(tsfn));
        Ok(Backend::Thread(ThreadBackend {
            tsfn: Cell::new(tsfn),
            shared,
            wake_fd,
            thread: RefCell::new(Some(thread)),
            cleanup_hook_registered: Cell::new(true),
        }))
    }

    pub fn kind(&self) -> Kind {
        match self.backend {
            Backend::Thread(_) => Kind::Thread,
            _ => Kind::Libuv,
        }
    }

    /// Starts or stops watching. A stopped watcher never keeps the process alive.
    pub fn set_active(&self, active: bool) {
        if self.shut_down.get() || self.active.get() == active {
            return;
        }
        self.active.set(active);
        // SAFETY: the callback reference of this env, on its thread. While watching, the instance must
        // stay alive (a server nobody holds a reference to still serves); while idle it may be collected.
        unsafe {
            if active {
                sys::napi_reference_ref(self.env, self.callback, ptr::null_mut());
            } else {
                sys::napi_reference_unref(self.env, self.callback, ptr::null_mut());
            }
        }
        match &self.backend {
            Backend::None => {}
            Backend::Libuv { uv, handle, .. } => {
                let handle = handle.get();
                if !handle.is_null() {
                    // SAFETY: `handle` is an initialised, not yet closed uv_poll_t of this thread's loop.
                    unsafe {
                        if active {
                            (uv.poll_start)(handle, UV_READABLE, on_poll);
                        } else {
                            (uv.poll_stop)(handle);
                        }
                    }
                }
            }
            Backend::Thread(thread) => {
                thread.shared.lock().active = active;
                thread.shared.changed.notify_all();
                if !active {
                    wake(&thread.wake_fd);
                }
            }
        }
        self.apply_ref();
    }

    /// Whether an active watcher keeps the process alive.
    pub fn set_ref(&self, refed: bool) {
        self.refed.set(refed);
        self.apply_ref();
    }

    fn apply_ref(&self) {
        if self.shut_down.get() {
            return;
        }
        match &self.backend {
            Backend::None => {}
            Backend::Libuv { uv, handle, .. } => {
                let handle = handle.get();
                if !handle.is_null() {
                    // SAFETY: a live handle of this thread's loop.
                    unsafe {
                        if self.refed.get() {
                            (uv.ref_handle)(handle)
                        } else {
                            (uv.unref_handle)(handle)
                        }
                    }
                }
            }
            Backend::Thread(thread) => {
                let tsfn = thread.tsfn.get();
                if !tsfn.is_null() {
                    // A threadsafe function keeps the loop alive even while idle: only ref it while
                    // watching.
                    // SAFETY: a live threadsafe function of this env, called on its JS thread.
                    unsafe {
                        if self.refed.get() && self.active.get() {
                            sys::napi_ref_threadsafe_function(self.env, tsfn);
                        } else {
                            sys::napi_unref_threadsafe_function(self.env, tsfn);
                        }
                    }
                }
            }
        }
    }

    /// One batch: `epoll_wait(…, 0)` into the `Uint32Array`, then one call of the JS dispatcher.
    ///
    /// # Safety
    /// `this` is a live watcher; called on its JS thread from a libuv or threadsafe-function callback
    /// (no JavaScript on the stack).
    unsafe fn dispatch(this: *const Watcher) {
        // SAFETY: the watcher is freed only when no dispatch runs (`dispatching` is checked).
        let w = unsafe { &*this };
        if w.shut_down.get() || !w.active.get() {
            return;
        }
        w.dispatching.set(true);
        let env = w.env;
        let mut scope = ptr::null_mut();
        // SAFETY: on the env's thread with no scope open; every handle below lives in `scope`.
        unsafe {
            if sys::napi_open_handle_scope(env, &mut scope) == sys::Status::napi_ok {
                let count = w.fill_out();
                if count != 0 {
                    w.call_dispatcher(count);
                }
                sys::napi_close_handle_scope(env, scope);
            }
        }
        w.dispatching.set(false);
        // SAFETY: no dispatch is running any more.
        unsafe { Watcher::maybe_free(this) };
    }

    /// Events written into the out array, or `-errno` when `epoll_wait` failed.
    unsafe fn fill_out(&self) -> i32 {
        let mut value = ptr::null_mut();
        let (mut kind, mut length, mut data) = (0, 0, ptr::null_mut());
        // SAFETY: `self.out` references the Uint32Array handed to `create`; JS cannot run while the
        // slice lives (it is dropped before the dispatcher is called).
        unsafe {
            if sys::napi_get_reference_value(self.env, self.out, &mut value) != sys::Status::napi_ok
                || sys::napi_get_typedarray_info(
                    self.env,
                    value,
                    &mut kind,
                    &mut length,
                    &mut data,
                    ptr::null_mut(),
                    ptr::null_mut(),
                ) != sys::Status::napi_ok
                || kind != sys::TypedarrayType::uint32_array
                || data.is_null()
            {
                return -libc::EINVAL;
            }
            let out = std::slice::from_raw_parts_mut(data.cast::<u32>(), length);
            let epfd = BorrowedFd::borrow_raw(self.epfd);
            match self
                .events
                .borrow_mut()
                .wait_into(epfd, out, Timeout::Immediate)
            {
                Ok(n) => n as i32,
                Err(Error::Os(e)) => -e.errno,
                Err(_) => -libc::EBADF,
            }
        }
    }

    unsafe fn call_dispatcher(&self, count: i32) {
        let env = self.env;
        let (mut callback, mut resource, mut arg, mut result) = (
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        // SAFETY: references of this env, read on its thread inside an open handle scope.
        unsafe {
            if sys::napi_get_reference_value(env, self.callback, &mut callback)
                != sys::Status::napi_ok
                || callback.is_null()
                || sys::napi_get_reference_value(env, self.resource, &mut resource)
                    != sys::Status::napi_ok
                || sys::napi_create_int32(env, count, &mut arg) != sys::Status::napi_ok
            {
                return;
            }
            // napi_make_callback (not napi_call_function): runs the nextTick and microtask queues
            // afterwards, as for any callback from the loop, so awaited waits resume at once.
            let status = sys::napi_make_callback(
                env,
                self.async_context,
                resource,
                callback,
                1,
                &arg,
                &mut result,
            );
            if status == sys::Status::napi_pending_exception {
                let mut exception = ptr::null_mut();
                if sys::napi_get_and_clear_last_exception(env, &mut exception)
                    == sys::Status::napi_ok
                {
                    sys::napi_fatal_exception(env, exception);
                }
            }
        }
    }

    /// The owner (the `NativeEpoll`) is done with the watcher: stop, release the backend, and free the
    /// watcher as soon as nothing else needs it. Call before closing the epoll fd.
    ///
    /// # Safety
    /// `this` came from [`Watcher::create`] and is not used by the caller afterwards; on the JS thread.
    pub unsafe fn release_by_owner(this: *mut Watcher) {
        // SAFETY: live until `maybe_free` frees it, which needs `owner_gone`.
        unsafe {
            (*this).shut_down_backend();
            (*this).owner_gone.set(true);
            Watcher::maybe_free(this);
        }
    }

    fn shut_down_backend(&self) {
        if self.shut_down.replace(true) {
            return;
        }
        self.active.set(false);
        match &self.backend {
            Backend::None => self.backend_released.set(true),
            Backend::Libuv { uv, handle, hook } => {
                let raw = handle.replace(ptr::null_mut());
                let hook = hook.replace(ptr::null_mut());
                // SAFETY: the handle is live and owned here; once the hook is removed nothing else
                // closes it. `on_closed` frees its memory and marks the backend released.
                unsafe {
                    if !hook.is_null() {
                        sys::napi_remove_async_cleanup_hook(hook);
                    }
                    if raw.is_null() {
                        self.backend_released.set(true);
                    } else {
                        (uv.poll_stop)(raw);
                        (uv.close)(raw, Some(on_closed));
                    }
                }
            }
            Backend::Thread(thread) => {
                self.stop_thread(thread);
                if thread.cleanup_hook_registered.replace(false) {
                    // SAFETY: the hook was registered with these exact arguments.
                    unsafe {
                        sys::napi_remove_env_cleanup_hook(
                            self.env,
                            Some(on_env_cleanup_thread),
                            (self as *const Watcher).cast_mut().cast(),
                        )
                    };
                }
                let tsfn = thread.tsfn.get();
                if !tsfn.is_null() {
                    // SAFETY: a live threadsafe function; its finalizer marks the backend released.
                    unsafe {
                        sys::napi_release_threadsafe_function(
                            tsfn,
                            sys::ThreadsafeFunctionReleaseMode::abort,
                        )
                    };
                }
            }
        }
        // SAFETY: on the env's thread; these references and the async context belong to this watcher.
        unsafe { self.release_js_state() };
    }

    fn stop_thread(&self, thread: &ThreadBackend) {
        thread.shared.lock().stop = true;
        thread.shared.changed.notify_all();
        wake(&thread.wake_fd);
        if let Some(handle) = thread.thread.borrow_mut().take() {
            let _ = handle.join();
        }
    }

    unsafe fn release_js_state(&self) {
        // SAFETY: each reference/context was created for this env and is released exactly once
        // (`shut_down` guards the only other caller).
        unsafe {
            for reference in [self.callback, self.out, self.resource] {
                if !reference.is_null() {
                    sys::napi_delete_reference(self.env, reference);
                }
            }
            if !self.async_context.is_null() {
                sys::napi_async_destroy(self.env, self.async_context);
            }
        }
    }

    unsafe fn maybe_free(this: *const Watcher) {
        // SAFETY: `this` is live; it is freed only here, once, when all three conditions hold.
        unsafe {
            let w = &*this;
            if w.owner_gone.get() && w.backend_released.get() && !w.dispatching.get() {
                drop(Box::from_raw(this.cast_mut()));
            }
        }
    }
}

fn handle_layout(uv: &Uv) -> Layout {
    Layout::from_size_align(uv.poll_handle_size().max(64), 16).expect("uv_poll_t layout")
}

fn wake(fd: &OwnedFd) {
    let one: u64 = 1;
    // SAFETY: writes 8 bytes from a valid u64 to an eventfd we own.
    unsafe { libc::write(fd.as_raw_fd(), (&one as *const u64).cast(), 8) };
}

unsafe extern "C" fn on_poll(handle: *mut c_void, _status: c_int, _events: c_int) {
    // A panic must not unwind into libuv (it would abort the process): it ends this batch only.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: `handle->data` points to the watcher while the handle is open.
        unsafe {
            let watcher = *handle.cast::<*const Watcher>();
            if !watcher.is_null() {
                Watcher::dispatch(watcher);
            }
        }
    });
}

unsafe extern "C" fn on_closed(handle: *mut c_void) {
    // SAFETY: libuv is done with the handle; `data` still points to the watcher, which waits for this
    // callback (`backend_released`) before it can be freed.
    unsafe {
        let watcher = *handle.cast::<*const Watcher>();
        if let Some(uv) = uv::uv() {
            dealloc(handle.cast(), handle_layout(uv));
        }
        if watcher.is_null() {
            return;
        }
        let hook = (*watcher).teardown_hook.replace(ptr::null_mut());
        (*watcher).backend_released.set(true);
        Watcher::maybe_free(watcher);
        if !hook.is_null() {
            sys::napi_remove_async_cleanup_hook(hook);
        }
    }
}

/// Worker or env teardown with the handle still open: close it, and let Node wait for the close
/// callback (uv_loop_close aborts with open handles).
unsafe extern "C" fn on_env_teardown(hook: sys::napi_async_cleanup_hook_handle, arg: *mut c_void) {
    // SAFETY: `arg` is the live watcher (the hook is removed before the watcher can be freed).
    unsafe {
        let w = &*arg.cast::<Watcher>();
        w.shut_down.set(true);
        w.active.set(false);
        if let Backend::Libuv {
            uv,
            handle,
            hook: slot,
        } = &w.backend
        {
            slot.set(ptr::null_mut());
            let raw = handle.replace(ptr::null_mut());
            if raw.is_null() {
                sys::napi_remove_async_cleanup_hook(hook);
                return;
            }
            // `on_closed` removes the hook once libuv is done with the handle.
            w.teardown_hook.set(hook);
            (uv.poll_stop)(raw);
            (uv.close)(raw, Some(on_closed));
        }
    }
}

unsafe extern "C" fn on_env_cleanup_thread(arg: *mut c_void) {
    // SAFETY: `arg` is the live watcher: this hook is removed before the watcher can be freed.
    unsafe {
        let w = &*arg.cast::<Watcher>();
        if let Backend::Thread(thread) = &w.backend {
            thread.cleanup_hook_registered.set(false);
            w.stop_thread(thread);
        }
        w.shut_down.set(true);
    }
}

unsafe extern "C" fn on_tsfn_call(
    env: sys::napi_env,
    _js: sys::napi_value,
    context: *mut c_void,
    _data: *mut c_void,
) {
    let watcher = context.cast::<Watcher>().cast_const();
    // SAFETY: the watcher lives until the threadsafe function is finalized, which is after this call.
    // A panic must not unwind into Node (it would abort the process): it ends this batch only, and
    // the thread is still acknowledged.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
        // `dispatch` cannot free the watcher here: the threadsafe function still holds it
        // (`backend_released` stays false until it is finalized).
        if !env.is_null() {
            Watcher::dispatch(watcher);
        }
    }));
    // SAFETY: as above.
    unsafe {
        if let Backend::Thread(thread) = &(*watcher).backend {
            thread.shared.lock().awaiting_ack = false;
            thread.shared.changed.notify_all();
        }
    }
}

unsafe extern "C" fn on_tsfn_finalized(
    _env: sys::napi_env,
    _data: *mut c_void,
    context: *mut c_void,
) {
    let watcher = context.cast::<Watcher>().cast_const();
    // SAFETY: the last use of the watcher by the threadsafe function.
    unsafe {
        if let Backend::Thread(thread) = &(*watcher).backend {
            thread.tsfn.set(ptr::null_mut());
            (*watcher).stop_thread(thread);
        }
        (*watcher).backend_released.set(true);
        Watcher::maybe_free(watcher);
    }
}

struct SendPtr(sys::napi_threadsafe_function);
// SAFETY: a threadsafe function is made to be called from other threads.
unsafe impl Send for SendPtr {}
// SAFETY: as above; the pointer itself is never changed after it is set.
unsafe impl Sync for SendPtr {}

/// The fallback's thread: waits until the epoll fd is readable, wakes the loop once, and waits for the
/// loop to finish that batch before it waits again.
fn watch_thread(epfd: RawFd, wake_fd: RawFd, shared: &ThreadShared) {
    loop {
        {
            let mut state = shared.lock();
            while !state.stop && (!state.active || state.awaiting_ack) {
                state = shared
                    .changed
                    .wait(state)
                    .unwrap_or_else(|e| e.into_inner());
            }
            if state.stop {
                return;
            }
        }
        let mut fds = [
            libc::pollfd {
                fd: epfd,
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: wake_fd,
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: `fds` is a valid array of two pollfd structures.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if ready == -1 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return;
        }
        if fds[1].revents != 0 {
            let mut count = 0u64;
            // SAFETY: reads 8 bytes into a valid u64 (resets the eventfd).
            unsafe { libc::read(wake_fd, (&mut count as *mut u64).cast(), 8) };
            continue;
        }
        if fds[0].revents != 0 {
            let Some(tsfn) = shared.tsfn.get() else {
                continue;
            };
            shared.lock().awaiting_ack = true;
            // SAFETY: the threadsafe function stays valid until this thread is joined.
            let status = unsafe {
                sys::napi_call_threadsafe_function(
                    tsfn.0,
                    ptr::null_mut(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            };
            if status != sys::Status::napi_ok {
                return;
            }
        }
    }
}
