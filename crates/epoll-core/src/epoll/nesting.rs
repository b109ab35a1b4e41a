//! Putting an epoll fd inside another epoll instance, such as the host event loop's.
//!
//! libuv adds a watched fd to its own epoll set lazily, on its next loop turn, and aborts the process
//! when the kernel refuses (`ELOOP` for a loop or nesting deeper than the kernel allows, `EINVAL`
//! once a file has too many wake-up paths). Adding the fd ourselves first runs the same kernel checks
//! on a call that can report them; libuv's own add then finds the fd there (`EEXIST`), which it
//! handles by modifying the registration.

use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

use crate::error::OsError;
use crate::sys::cvt;

/// Makes sure `fd` is in the interest list of the epoll instance `outer`: adds it for `EPOLLIN`
/// (event data: the fd, as libuv sets it) unless it is there already.
pub fn ensure_watched_by(outer: BorrowedFd<'_>, fd: RawFd) -> Result<(), OsError> {
    let mut event = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: fd as u32 as u64,
    };
    // SAFETY: `event` is an initialised epoll_event that outlives the call (the kernel copies it).
    let added = cvt(
        unsafe { libc::epoll_ctl(outer.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut event) },
        "epoll_ctl",
    );
    match added {
        Ok(_) => Ok(()),
        Err(e) if e.errno == libc::EEXIST => Ok(()),
        Err(e) => Err(e.with_detail(format!(
            "EPOLL_CTL_ADD fd {fd} to the event loop's epoll fd {}",
            outer.as_raw_fd()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epoll::test_support::borrowed;
    use crate::Epoll;
    use std::os::fd::AsFd;

    #[test]
    fn adding_twice_is_not_an_error() {
        let (outer, inner) = (Epoll::new(true).unwrap(), Epoll::new(true).unwrap());
        ensure_watched_by(borrowed(&outer), inner.fd().unwrap()).unwrap();
        ensure_watched_by(borrowed(&outer), inner.fd().unwrap()).unwrap();
    }

    #[test]
    fn nesting_deeper_than_the_kernel_allows_is_eloop_not_an_abort() {
        // The kernel allows 4 levels of epoll inside epoll below the outermost instance.
        let chain: Vec<Epoll> = (0..6).map(|_| Epoll::new(true).unwrap()).collect();
        let mut refused = None;
        for pair in chain.windows(2) {
            if let Err(e) = ensure_watched_by(borrowed(&pair[0]), pair[1].fd().unwrap()) {
                refused = Some(e);
                break;
            }
        }
        let e = refused.expect("the kernel refuses a nesting this deep");
        assert_eq!(e.errno, libc::ELOOP, "{e}");
        assert_eq!(e.syscall, "epoll_ctl");
    }

    #[test]
    fn a_closed_fd_is_ebadf() {
        let outer = Epoll::new(true).unwrap();
        let (r, w) = crate::fd::pipe().unwrap();
        let raw = r.as_fd().as_raw_fd();
        drop((r, w));
        assert_eq!(
            ensure_watched_by(borrowed(&outer), raw).unwrap_err().errno,
            libc::EBADF
        );
    }
}
