//! The native half of the `Epoll` class: one method per core operation.

use napi::bindgen_prelude::Unknown;
use napi::{Env, Result};
use napi_derive::napi;

use crate::{args, errors};

/// Owned by the TypeScript `Epoll`; when it is garbage-collected the core closes the fd.
#[napi]
pub struct NativeEpoll {
    inner: epoll_core::Epoll,
}

#[napi]
impl NativeEpoll {
    #[napi(constructor)]
    pub fn new(env: Env, close_on_exec: bool) -> Result<Self> {
        let inner = epoll_core::Epoll::new(close_on_exec).map_err(|e| errors::throw(&env, e))?;
        Ok(NativeEpoll { inner })
    }

    #[napi(factory)]
    pub fn from_fd(env: Env, fd: f64) -> Result<Self> {
        let fd = args::fd(&env, "fd", fd)?;
        let inner = epoll_core::Epoll::from_fd(fd).map_err(|e| errors::throw(&env, e))?;
        Ok(NativeEpoll { inner })
    }

    /// The epoll fd, -1 once closed.
    #[napi(getter)]
    pub fn fd(&self) -> i32 {
        self.inner.fd().unwrap_or(-1)
    }

    #[napi(getter)]
    pub fn size(&self) -> u32 {
        self.inner.size() as u32
    }

    #[napi]
    pub fn has(&self, env: Env, fd: f64) -> Result<bool> {
        Ok(self.inner.has(args::fd(&env, "fd", fd)?))
    }

    /// The interest mask of a registered fd, or -1.
    #[napi]
    pub fn interest(&self, env: Env, fd: f64) -> Result<f64> {
        Ok(self
            .inner
            .interest(args::fd(&env, "fd", fd)?)
            .map_or(-1.0, f64::from))
    }

    #[napi]
    pub fn register(&mut self, env: Env, fd: f64, events: f64) -> Result<()> {
        let (fd, events) = (args::fd(&env, "fd", fd)?, args::events(&env, events)?);
        self.inner
            .register(fd, events)
            .map_err(|e| errors::throw(&env, e))
    }

    #[napi]
    pub fn modify(&mut self, env: Env, fd: f64, events: f64) -> Result<()> {
        let (fd, events) = (args::fd(&env, "fd", fd)?, args::events(&env, events)?);
        self.inner
            .modify(fd, events)
            .map_err(|e| errors::throw(&env, e))
    }

    #[napi]
    pub fn unregister(&mut self, env: Env, fd: f64) -> Result<()> {
        let fd = args::fd(&env, "fd", fd)?;
        self.inner
            .unregister(fd)
            .map_err(|e| errors::throw(&env, e))
    }

    #[napi]
    pub fn suspend(&mut self, env: Env, fd: f64) -> Result<()> {
        let fd = args::fd(&env, "fd", fd)?;
        self.inner.suspend(fd).map_err(|e| errors::throw(&env, e))
    }

    #[napi]
    pub fn resume(&mut self, env: Env, fd: f64) -> Result<()> {
        let fd = args::fd(&env, "fd", fd)?;
        self.inner.resume(fd).map_err(|e| errors::throw(&env, e))
    }

    /// Blocking `epoll_wait` into `out` as `[fd, events]` pairs; returns the number of events.
    #[napi(ts_args_type = "out: Uint32Array, timeout: number")]
    pub fn poll_into(&mut self, env: Env, out: Unknown<'_>, timeout: f64) -> Result<u32> {
        let out = args::u32_array(&env, "out", out)?;
        let timeout = args::timeout(&env, timeout)?;
        let n = self
            .inner
            .wait_into(out, timeout)
            .map_err(|e| errors::throw(&env, e))?;
        Ok(n as u32)
    }

    #[napi]
    pub fn close(&mut self) {
        self.inner.close();
    }
}
