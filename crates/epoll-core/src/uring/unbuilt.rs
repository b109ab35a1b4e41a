//! The ring where this crate does not build one (32-bit ARM: the `io-uring` crate ships kernel
//! structure layouts only for 64-bit CPUs). Every ring is [`Unavailable`]; epoll is used. Its
//! methods are the real ring's, call for call: `tests.rs` calls both the same way, so the host's
//! `cargo test` fails when they drift apart.

use std::os::fd::RawFd;

use super::op::{Completion, Op};
use super::{RingSize, Unavailable};
use crate::error::OsError;

/// Never made on this CPU.
pub struct Ring(());

impl Ring {
    pub fn new(_size: RingSize) -> Result<Ring, Unavailable> {
        Err(Unavailable {
            reason: format!(
                "the io_uring engine is not built for {}",
                std::env::consts::ARCH
            ),
            errno: None,
        })
    }
    pub fn fd(&self) -> RawFd {
        -1
    }
    pub fn setup(&self) -> &'static str {
        ""
    }
    /// # Safety
    /// Never called: no ring exists.
    pub unsafe fn push(&mut self, _op: Op) -> Result<(), OsError> {
        Ok(())
    }
    pub fn submit(&mut self) -> Result<usize, OsError> {
        Ok(0)
    }
    pub fn reap(
        &mut self,
        _max: usize,
        _room: usize,
        _each: impl FnMut(Completion<'_>),
    ) -> (usize, bool) {
        (0, false)
    }
}
