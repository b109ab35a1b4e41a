//! The thread backend: a thread waits for the instance's events, wakes the loop through a
//! threadsafe function, and waits for the loop to acknowledge the batch before it waits again (one
//! wake-up per batch, never a spin). Two ways to wait:
//!
//! - readiness, for hosts whose libuv cannot watch an addon's fd (Bun's exports are stubs, Deno's
//!   `uv_poll` never fires): the thread waits until the epoll fd is readable
//!   ([`epoll_core::ReadinessWait`]) and the loop takes the events with `epoll_wait(…, 0)`;
//! - direct, for instances holding files whose readiness a nested poll would consume (procfs,
//!   cgroup: see [`epoll_core::DirectWait`]): the thread itself calls `epoll_wait` on the instance and
//!   hands the events over.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::os::fd::{BorrowedFd, RawFd};
use std::ptr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

use epoll_core::{DirectWait, OsError, Readiness, ReadinessWait, Waker};
use napi::sys;

use super::{Teardown, WatchError, Watcher};

pub struct ThreadBackend {
    /// Null once released or finalized.
    tsfn: Cell<sys::napi_threadsafe_function>,
    shared: Arc<Shared>,
    thread: RefCell<Option<JoinHandle<()>>>,
    cleanup_hook_registered: Cell<bool>,
}

/// What the JavaScript thread and the watcher thread share.
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    wake: Wake,
    /// Set once, before the thread is ever activated.
    tsfn: OnceLock<SendPtr>,
}

/// How the JavaScript thread ends the watcher thread's wait.
enum Wake {
    Readiness(ReadinessWait),
    Direct(Waker),
}

impl Wake {
    fn wake(&self) {
        match self {
            Wake::Readiness(r) => r.wake(),
            Wake::Direct(w) => w.wake(),
        }
    }
}

#[derive(Default)]
struct State {
    active: bool,
    awaiting_ack: bool,
    stop: bool,
    /// A direct wait's events, `[fd, events]` pairs, until the loop takes them.
    batch: Vec<u32>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.lock());
        self.changed.notify_all();
    }
}

struct SendPtr(sys::napi_threadsafe_function);
// SAFETY: a threadsafe function is made to be called from other threads.
unsafe impl Send for SendPtr {}
// SAFETY: as above; the pointer itself never changes after it is set.
unsafe impl Sync for SendPtr {}

fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(status.into(), format!("{what} failed")))
    }
}

impl ThreadBackend {
    /// # Safety
    /// On the env's JavaScript thread; `watcher` outlives the threadsafe function (the backend's
    /// hold is released by its finalizer) and the cleanup hook (removed before that).
    pub unsafe fn new(
        env: sys::napi_env,
        epfd: RawFd,
        watcher: *mut Watcher,
        direct_capacity: Option<usize>,
    ) -> Result<ThreadBackend, WatchError> {
        // SAFETY: the owner keeps the epoll fd open until this thread has been joined.
        let borrowed = unsafe { BorrowedFd::borrow_raw(epfd) };
        let (wake, wait) = match direct_capacity {
            Some(capacity) => {
                let direct = DirectWait::attach(borrowed)?;
                (
                    Wake::Direct(direct.waker()),
                    ThreadWait::Direct(direct, capacity),
                )
            }
            None => (
                Wake::Readiness(ReadinessWait::new()?),
                ThreadWait::Readiness,
            ),
        };
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            changed: Condvar::new(),
            wake,
            tsfn: OnceLock::new(),
        });
        // The thread starts first and idles (inactive) until the threadsafe function exists: a
        // failure below then only has to stop it, and never leaves a threadsafe function pointing at
        // a watcher that is about to be freed.
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("epoll-napi-watcher".into())
                .spawn(move || watch_loop(epfd, wait, &shared))
                .map_err(|e| {
                    let errno = e.raw_os_error().unwrap_or(libc::EAGAIN);
                    OsError::new(errno, "pthread_create").with_detail("the watcher thread")
                })?
        };
        let backend = ThreadBackend {
            tsfn: Cell::new(ptr::null_mut()),
            shared,
            thread: RefCell::new(Some(thread)),
            cleanup_hook_registered: Cell::new(false),
        };
        // SAFETY: as the caller promises.
        if let Err(e) = unsafe { backend.connect(env, watcher) } {
            backend.stop_thread();
            return Err(e.into());
        }
        Ok(backend)
    }

    /// The env cleanup hook and the threadsafe function, both bound to `watcher`.
    ///
    /// # Safety
    /// As for [`ThreadBackend::new`]: on the env's JavaScript thread, with a `watcher` that outlives
    /// the threadsafe function and the hook.
    unsafe fn connect(&self, env: sys::napi_env, watcher: *mut Watcher) -> napi::Result<()> {
        let (mut name, mut tsfn) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: out-pointers are valid locals; see `new` for the watcher's lifetime.
        unsafe {
            check(
                sys::napi_create_string_utf8(env, c"EpollWatcherThread".as_ptr(), 18, &mut name),
                "napi_create_string_utf8",
            )?;
            check(
                sys::napi_add_env_cleanup_hook(env, Some(on_env_cleanup), watcher.cast()),
                "napi_add_env_cleanup_hook",
            )?;
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
                sys::napi_remove_env_cleanup_hook(env, Some(on_env_cleanup), watcher.cast());
                return check(status, "napi_create_threadsafe_function");
            }
            // Inactive at first: it must not keep the process alive.
            sys::napi_unref_threadsafe_function(env, tsfn);
        }
        self.cleanup_hook_registered.set(true);
        self.tsfn.set(tsfn);
        let _ = self.shared.tsfn.set(SendPtr(tsfn));
        Ok(())
    }

    pub fn set_active(&self, active: bool) {
        self.shared.update(|state| state.active = active);
        if !active {
            // Ends a wait in progress, so that the thread goes idle now.
            self.shared.wake.wake();
        }
    }

    /// Whether the thread hands over events itself (a direct wait) instead of readiness.
    pub fn is_direct(&self) -> bool {
        matches!(self.shared.wake, Wake::Direct(_))
    }

    /// Moves a direct wait's batch into `out`; returns how many events.
    pub fn take_batch(&self, out: &mut [u32]) -> usize {
        let mut state = self.shared.lock();
        let pairs = state.batch.len().min(out.len() & !1);
        out[..pairs].copy_from_slice(&state.batch[..pairs]);
        state.batch.clear();
        pairs / 2
    }

    pub fn set_ref(&self, env: sys::napi_env, refed: bool) {
        let tsfn = self.tsfn.get();
        if tsfn.is_null() {
            return;
        }
        // SAFETY: a live threadsafe function of this env, on its JavaScript thread.
        unsafe {
            if refed {
                sys::napi_ref_threadsafe_function(env, tsfn);
            } else {
                sys::napi_unref_threadsafe_function(env, tsfn);
            }
        }
    }

    fn stop_thread(&self) {
        self.shared.update(|state| state.stop = true);
        self.shared.wake.wake();
        if let Some(handle) = self.thread.borrow_mut().take() {
            let _ = handle.join();
        }
    }

    /// Stops the thread; for the owner also removes the cleanup hook and releases the threadsafe
    /// function, whose finalizer lets go of the watcher. At env teardown Node finalizes it itself.
    pub fn close(&self, env: sys::napi_env, by: Teardown) {
        self.stop_thread();
        if by == Teardown::Env {
            return;
        }
        let tsfn = self.tsfn.get();
        // SAFETY: the hook was registered with exactly these arguments; `tsfn` is live until its
        // finalizer runs, which nulls it.
        unsafe {
            if self.cleanup_hook_registered.replace(false) {
                let watcher = self.watcher_context();
                sys::napi_remove_env_cleanup_hook(env, Some(on_env_cleanup), watcher);
            }
            if !tsfn.is_null() {
                sys::napi_release_threadsafe_function(
                    tsfn,
                    sys::ThreadsafeFunctionReleaseMode::abort,
                );
            }
        }
    }

    /// The watcher pointer the hook and the threadsafe function were registered with.
    fn watcher_context(&self) -> *mut c_void {
        let mut context = ptr::null_mut();
        let tsfn = self.tsfn.get();
        if !tsfn.is_null() {
            // SAFETY: a live threadsafe function; `context` is a valid out-pointer.
            unsafe { sys::napi_get_threadsafe_function_context(tsfn, &mut context) };
        }
        context
    }
}

/// What the watcher thread waits with.
enum ThreadWait {
    Readiness,
    /// The direct wait and the most events one batch may hold.
    Direct(DirectWait, usize),
}

/// The thread: waits for the instance's events, wakes the loop once, and waits for the loop to
/// finish that batch before it waits again.
fn watch_loop(epfd: RawFd, mut wait: ThreadWait, shared: &Shared) {
    // SAFETY: the owner keeps the epoll fd open until this thread has been joined.
    let epfd = unsafe { BorrowedFd::borrow_raw(epfd) };
    let mut pairs = match &wait {
        // As large as the caller's `out` array, but no larger than one wait can fill: the kernel is
        // asked for at most MAX_EVENTS_PER_POLL events, whatever length JavaScript chose.
        ThreadWait::Direct(_, capacity) => {
            vec![0u32; 2 * (*capacity).min(epoll_core::MAX_EVENTS_PER_POLL)]
        }
        ThreadWait::Readiness => Vec::new(),
    };
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
        // Only a closed epoll fd fails here, and the owner joins this thread before closing it.
        let ready = match &mut wait {
            ThreadWait::Readiness => match shared_readiness(shared).wait(epfd) {
                Ok(Readiness::Woken) => false,
                Ok(Readiness::Ready) => true,
                Err(_) => return,
            },
            // Events taken here must reach the loop even if watching stopped meanwhile: the
            // dispatcher keeps what no handler wants.
            ThreadWait::Direct(direct, _) => match direct.wait_into(&mut pairs) {
                Ok((0, _)) => false,
                Ok((n, _)) => {
                    shared.lock().batch.extend_from_slice(&pairs[..2 * n]);
                    true
                }
                Err(_) => return,
            },
        };
        if !ready {
            continue;
        }
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

fn shared_readiness(shared: &Shared) -> &ReadinessWait {
    match &shared.wake {
        Wake::Readiness(r) => r,
        Wake::Direct(_) => unreachable!("a readiness thread has a readiness wait"),
    }
}

fn backend_of(watcher: &Watcher) -> Option<&ThreadBackend> {
    match watcher.backend.as_ref() {
        Some(super::Backend::Thread(b)) => Some(b),
        _ => None,
    }
}

/// The env is ending (a worker, or the process): tear the watcher down without its owner.
///
/// # Safety
/// Called by Node on the env's thread with the watcher the hook was added for.
unsafe extern "C" fn on_env_cleanup(arg: *mut c_void) {
    // SAFETY: `arg` is the live watcher: the owner removes this hook before it lets go.
    unsafe {
        let w = &*arg.cast::<Watcher>();
        if let Some(b) = backend_of(w) {
            b.cleanup_hook_registered.set(false);
        }
        w.tear_down(Teardown::Env, ptr::null_mut());
    }
}

/// The loop's side of a wake-up: one batch, then the acknowledgement the thread waits for.
///
/// # Safety
/// Called by Node on the env's thread with the watcher the threadsafe function was made for.
unsafe extern "C" fn on_tsfn_call(
    env: sys::napi_env,
    _js: sys::napi_value,
    context: *mut c_void,
    _data: *mut c_void,
) {
    let watcher = context.cast::<Watcher>().cast_const();
    // SAFETY: the threadsafe function holds the watcher until it is finalized, after this call. A
    // panic must not unwind into Node (it would abort the process): it ends this batch only, and the
    // thread is still acknowledged.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
        if !env.is_null() {
            Watcher::dispatch(watcher, None);
        }
    }));
    // SAFETY: as above.
    if let Some(b) = backend_of(unsafe { &*watcher }) {
        b.shared.update(|state| state.awaiting_ack = false);
    }
}

/// The threadsafe function is gone: stop the thread and release its hold on the watcher.
///
/// # Safety
/// Called by Node, once, with the watcher the threadsafe function was made for.
unsafe extern "C" fn on_tsfn_finalized(
    _env: sys::napi_env,
    _data: *mut c_void,
    context: *mut c_void,
) {
    let watcher = context.cast::<Watcher>().cast_const();
    // SAFETY: the threadsafe function's hold on the watcher ends here.
    unsafe {
        if let Some(b) = backend_of(&*watcher) {
            b.tsfn.set(ptr::null_mut());
            b.stop_thread();
        }
        Watcher::release(watcher);
    }
}
