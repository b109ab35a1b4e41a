//! The ring where this crate does not build one (32-bit ARM: the `io-uring` crate ships kernel
//! structure layouts only for 64-bit CPUs). Every ring is [`Unavailable`]; epoll is used.

use std::os::fd::RawFd;

use super::{RingSize, Unavailable};
use crate::error::OsError;

/// Never made on this CPU.
pub struct Ring(());

/// An operation (never submitted on this CPU).
pub enum Op {
    Recv {
        fd: RawFd,
        token: u32,
    },
    Send {
        fd: RawFd,
        token: u32,
        data: *const u8,
        len: u32,
    },
    Cancel {
        token: u32,
    },
}

/// A completion (never produced on this CPU).
pub struct Completion<'a> {
    pub token: u32,
    pub result: i32,
    pub more: bool,
    pub data: Option<&'a [u8]>,
    pub name: Option<&'a [u8]>,
    pub truncated: bool,
}

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
    pub fn reap(&mut self, _each: impl FnMut(Completion<'_>) -> bool) -> (usize, bool) {
        (0, false)
    }
}
