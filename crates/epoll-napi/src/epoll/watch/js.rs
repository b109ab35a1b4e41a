//! What the watcher keeps of JavaScript: the dispatcher, the `Uint32Array` events are written into,
//! and the async context every batch runs in.

use std::ffi::c_void;
use std::ptr;

use napi::sys;

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

/// References into one env, used only on that env's thread.
pub struct JsRefs {
    env: sys::napi_env,
    /// The dispatcher. Weak while the watcher is idle: it closes over the JavaScript `Epoll`, which
    /// owns the watcher, and a strong reference would keep an unreachable idle instance alive.
    callback: sys::napi_ref,
    out: sys::napi_ref,
    resource: sys::napi_ref,
    async_context: sys::napi_async_context,
}

impl JsRefs {
    /// # Safety
    /// On the JavaScript thread of `env`, with `callback` and `out` live values of the current scope.
    pub unsafe fn new(
        env: sys::napi_env,
        callback: sys::napi_value,
        out: sys::napi_value,
    ) -> napi::Result<JsRefs> {
        let mut refs = JsRefs {
            env,
            callback: ptr::null_mut(),
            out: ptr::null_mut(),
            resource: ptr::null_mut(),
            async_context: ptr::null_mut(),
        };
        // SAFETY: the values are live handles of this call; out-pointers are fields of `refs`.
        // On failure `refs` is dropped by the caller's `?`, after `release` of what was made.
        let made = unsafe {
            let mut resource = ptr::null_mut();
            let mut name = ptr::null_mut();
            check(
                sys::napi_create_reference(env, callback, 0, &mut refs.callback),
                "napi_create_reference",
            )
            .and_then(|()| {
                check(
                    sys::napi_create_reference(env, out, 1, &mut refs.out),
                    "napi_create_reference",
                )
            })
            .and_then(|()| {
                check(
                    sys::napi_create_object(env, &mut resource),
                    "napi_create_object",
                )
            })
            .and_then(|()| {
                check(
                    sys::napi_create_reference(env, resource, 1, &mut refs.resource),
                    "napi_create_reference",
                )
            })
            .and_then(|()| {
                check(
                    sys::napi_create_string_utf8(env, c"EpollWatcher".as_ptr(), 12, &mut name),
                    "napi_create_string_utf8",
                )
            })
            .and_then(|()| {
                check(
                    sys::napi_async_init(env, resource, name, &mut refs.async_context),
                    "napi_async_init",
                )
            })
        };
        match made {
            Ok(()) => Ok(refs),
            Err(e) => {
                // SAFETY: on the env's thread; releases only what was created.
                unsafe { refs.release() };
                Err(e)
            }
        }
    }

    /// While watching, the instance must stay alive (a server nobody holds a reference to still
    /// serves); while idle it may be collected.
    pub fn keep_alive(&self, yes: bool) {
        // SAFETY: the callback reference of this env, used on its thread.
        unsafe {
            if yes {
                sys::napi_reference_ref(self.env, self.callback, ptr::null_mut());
            } else {
                sys::napi_reference_unref(self.env, self.callback, ptr::null_mut());
            }
        }
    }

    /// The memory of the events array, or `None` if it cannot be read.
    ///
    /// # Safety
    /// Inside an open handle scope of the env's thread; the slice must be dropped before any
    /// JavaScript runs (JavaScript could detach the buffer).
    pub unsafe fn out<'a>(&self) -> Option<&'a mut [u32]> {
        let mut value = ptr::null_mut();
        let (mut kind, mut length, mut data) = (0, 0, ptr::null_mut::<c_void>());
        // SAFETY: as the caller promises; out-pointers are valid locals.
        unsafe {
            let ok = sys::napi_get_reference_value(self.env, self.out, &mut value)
                == sys::Status::napi_ok
                && sys::napi_get_typedarray_info(
                    self.env,
                    value,
                    &mut kind,
                    &mut length,
                    &mut data,
                    ptr::null_mut(),
                    ptr::null_mut(),
                ) == sys::Status::napi_ok;
            if !ok || kind != sys::TypedarrayType::uint32_array || data.is_null() {
                return None;
            }
            Some(std::slice::from_raw_parts_mut(data.cast::<u32>(), length))
        }
    }

    /// Calls the dispatcher with `count` (and, when `count` is `-errno`, the failed call's name)
    /// through `napi_make_callback`, which runs the nextTick and
    /// microtask queues afterwards, as for any callback from the loop (an awaited `wait()` resumes at
    /// once). A throw becomes an uncaught exception, as any callback's would.
    ///
    /// # Safety
    /// Inside an open handle scope of the env's thread, with no JavaScript on the stack.
    pub unsafe fn call(&self, count: i32, failed_syscall: Option<&str>) {
        let env = self.env;
        let (mut callback, mut resource, mut result) =
            (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        let mut args = [ptr::null_mut(); 2];
        // SAFETY: references of this env, read on its thread inside an open handle scope.
        unsafe {
            if sys::napi_get_reference_value(env, self.callback, &mut callback)
                != sys::Status::napi_ok
                || callback.is_null()
                || sys::napi_get_reference_value(env, self.resource, &mut resource)
                    != sys::Status::napi_ok
                || sys::napi_create_int32(env, count, &mut args[0]) != sys::Status::napi_ok
            {
                return;
            }
            let argc = match failed_syscall {
                Some(name) => {
                    sys::napi_create_string_utf8(
                        env,
                        name.as_ptr().cast(),
                        name.len() as isize,
                        &mut args[1],
                    );
                    2
                }
                None => 1,
            };
            let status = sys::napi_make_callback(
                env,
                self.async_context,
                resource,
                callback,
                argc,
                args.as_ptr(),
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

    /// Deletes the references and the async context.
    ///
    /// # Safety
    /// On the env's thread, once.
    pub unsafe fn release(&mut self) {
        // SAFETY: each reference/context was created for this env; nulled so it is released once.
        unsafe {
            for reference in [&mut self.callback, &mut self.out, &mut self.resource] {
                if !reference.is_null() {
                    sys::napi_delete_reference(self.env, *reference);
                    *reference = ptr::null_mut();
                }
            }
            if !self.async_context.is_null() {
                sys::napi_async_destroy(self.env, self.async_context);
                self.async_context = ptr::null_mut();
            }
        }
    }
}
