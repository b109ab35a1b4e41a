//! Helpers shared by the core's unit tests.

use std::os::fd::BorrowedFd;

use crate::Epoll;

/// The epoll fd of `ep`, borrowed for as long as `ep` is.
pub(crate) fn borrowed(ep: &Epoll) -> BorrowedFd<'_> {
    // SAFETY: `ep` keeps its fd open for the lifetime of the borrow.
    unsafe { BorrowedFd::borrow_raw(ep.fd().unwrap()) }
}
