//! Which epoll fds are owned by a live [`crate::Epoll`] in this process.
//!
//! `Epoll::from_fd` adopts an fd and will close it; adopting one that another instance already owns
//! would close it twice (the second time possibly someone else's fd with the recycled number).

use std::collections::HashSet;
use std::os::fd::RawFd;
use std::sync::{Mutex, MutexGuard, OnceLock};

fn owned() -> MutexGuard<'static, HashSet<RawFd>> {
    static OWNED: OnceLock<Mutex<HashSet<RawFd>>> = OnceLock::new();
    // A panic while holding this lock cannot leave the set half-updated: recover it.
    OWNED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Records `fd` as owned; false if it already was.
pub(crate) fn claim(fd: RawFd) -> bool {
    owned().insert(fd)
}

/// Forgets `fd`; call right before closing it.
pub(crate) fn release(fd: RawFd) {
    owned().remove(&fd);
}
