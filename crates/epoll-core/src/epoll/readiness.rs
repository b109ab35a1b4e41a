//! The watcher thread's wait: until an epoll fd is readable, or until another thread wakes it.
//!
//! Where the host's event loop cannot watch an fd for an addon (Bun, Deno), a thread blocks here and
//! tells the loop when the epoll fd has events; the loop then takes them with a non-blocking
//! `epoll_wait`. The thread must also stop promptly when the instance closes or its worker ends:
//! [`ReadinessWait::wake`] ends a pending wait from any thread.

use std::os::fd::{AsRawFd, BorrowedFd};

use crate::epoll::direct::Waker;
use crate::error::OsError;
use crate::sys::cvt;

/// Why [`ReadinessWait::wait`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// The watched fd is readable (for an epoll fd: it has events).
    Ready,
    /// [`ReadinessWait::wake`] was called since the last wait.
    Woken,
}

/// A blocking wait for readability that another thread can interrupt (an eventfd beside the fd).
#[derive(Debug)]
pub struct ReadinessWait {
    waker: Waker,
}

impl ReadinessWait {
    pub fn new() -> Result<ReadinessWait, OsError> {
        Ok(ReadinessWait {
            waker: Waker::new()?,
        })
    }

    /// Ends the current (or the next) [`ReadinessWait::wait`] with [`Readiness::Woken`]. Safe to call
    /// from any thread, any number of times: wake-ups before a wait merge into one.
    pub fn wake(&self) {
        self.waker.wake();
    }

    /// Blocks until `fd` is readable or [`ReadinessWait::wake`] is called. A wake-up wins over
    /// readiness (the waker wants the thread to look at its state) and is consumed. Signals never end
    /// the wait.
    pub fn wait(&self, fd: BorrowedFd<'_>) -> Result<Readiness, OsError> {
        let mut fds = [
            libc::pollfd {
                fd: fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: self.waker.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        loop {
            // SAFETY: `fds` is an array of two initialised pollfd structures that outlives the call.
            match cvt(unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) }, "poll") {
                Ok(_) => break,
                Err(e) if e.errno == libc::EINTR => continue,
                Err(e) => return Err(e),
            }
        }
        if fds[1].revents != 0 {
            self.waker.reset()?;
            return Ok(Readiness::Woken);
        }
        if fds[0].revents & (libc::POLLNVAL | libc::POLLERR) != 0
            && fds[0].revents & libc::POLLIN == 0
        {
            return Err(
                OsError::new(libc::EBADF, "poll").with_detail(format!("fd {}", fd.as_raw_fd()))
            );
        }
        Ok(Readiness::Ready)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epoll::test_support::borrowed;
    use crate::fd::{pipe, write};
    use std::os::fd::AsFd;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    #[test]
    fn a_readable_fd_ends_the_wait_as_ready() {
        let (r, w) = pipe().unwrap();
        write(w.as_raw_fd(), b"x").unwrap();
        let waiter = ReadinessWait::new().unwrap();
        assert_eq!(waiter.wait(r.as_fd()).unwrap(), Readiness::Ready);
    }

    #[test]
    fn a_wake_from_another_thread_ends_a_blocked_wait() {
        let (r, _w) = pipe().unwrap();
        let waiter = Arc::new(ReadinessWait::new().unwrap());
        let other = Arc::clone(&waiter);
        let started = Instant::now();
        let waker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            other.wake();
        });
        assert_eq!(waiter.wait(r.as_fd()).unwrap(), Readiness::Woken);
        assert!(started.elapsed() >= Duration::from_millis(25));
        waker.join().unwrap();
    }

    #[test]
    fn wake_ups_before_a_wait_merge_into_one_and_are_consumed() {
        let (r, w) = pipe().unwrap();
        let waiter = ReadinessWait::new().unwrap();
        waiter.wake();
        waiter.wake();
        assert_eq!(waiter.wait(r.as_fd()).unwrap(), Readiness::Woken);
        write(w.as_raw_fd(), b"x").unwrap();
        assert_eq!(
            waiter.wait(r.as_fd()).unwrap(),
            Readiness::Ready,
            "the wake-up was consumed"
        );
    }

    #[test]
    fn an_epoll_fd_with_events_is_ready() {
        let mut ep = crate::Epoll::new(true).unwrap();
        let (r, w) = pipe().unwrap();
        ep.register(r.as_raw_fd(), crate::EPOLLIN).unwrap();
        write(w.as_raw_fd(), b"x").unwrap();
        let waiter = ReadinessWait::new().unwrap();
        assert_eq!(waiter.wait(borrowed(&ep)).unwrap(), Readiness::Ready);
    }
}
