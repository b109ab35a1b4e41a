//! A direct wait: `epoll_wait` on the instance's own fd from a watcher thread, for files whose
//! readiness a nested poll would consume.
//!
//! Some files report a change once per open file: procfs's `/proc/sys/*` (`proc_sys_poll`), the
//! mount tables (`/proc/self/mounts`, `mountinfo`: `mounts_poll`), `/proc/swaps`, and PSI triggers
//! (`/proc/pressure/*`, cgroup `*.pressure`) remember in the file that the change was seen as soon
//! as any poll looks at them. Watching an epoll fd from another epoll set (libuv's) or with `poll(2)`
//! runs that check when the outer wait wakes up, so the instance's own `epoll_wait` afterwards finds
//! nothing: the event is lost. Only an `epoll_wait` on the instance itself sees it. A
//! [`DirectWait`] is that wait, made interruptible by a wake-up eventfd registered in the instance
//! under internal event data (never reported to callers, see `EventBuffer::wait_into`).

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::Arc;

use crate::epoll::event_buffer::{EventBuffer, INTERNAL_EVENT};
use crate::epoll::timeout::Timeout;
use crate::error::{Error, OsError};
use crate::fd::{eventfd, read};
use crate::sys::cvt;

/// Whether polling `fd` from outside its epoll instance would consume its event: files on procfs
/// and cgroup2 (which holds the PSI trigger files). Unknown file systems are not.
pub fn consumes_readiness_on_poll(fd: RawFd) -> bool {
    // SAFETY: an all-zero statfs is a valid value for the kernel to overwrite.
    let mut stats: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `stats` is a valid, writable statfs; fstatfs only checks the fd.
    if unsafe { libc::fstatfs(fd, &mut stats) } != 0 {
        return false;
    }
    // The field and the constants are long, int or unsigned long depending on the target (glibc or
    // musl, 32 or 64 bits). Every file-system magic number fits in 32 bits, so both sides compare as
    // their low 32 bits.
    let kind = stats.f_type as u32;
    [
        libc::PROC_SUPER_MAGIC as u32,
        libc::CGROUP2_SUPER_MAGIC as u32,
    ]
    .contains(&kind)
}

/// Ends the current (or next) wait of a watcher thread, from any thread: an eventfd that the waiting
/// thread watches beside what it waits for. Wake-ups before a wait merge into one.
#[derive(Debug, Clone)]
pub struct Waker {
    fd: Arc<OwnedFd>,
}

impl Waker {
    pub(crate) fn new() -> Result<Waker, OsError> {
        Ok(Waker {
            fd: Arc::new(eventfd(0, false)?),
        })
    }

    pub(crate) fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Consumes the pending wake-ups; a wake after this is seen by the next wait.
    pub(crate) fn reset(&self) -> Result<(), OsError> {
        let mut count = [0u8; 8];
        read(self.fd.as_raw_fd(), &mut count).map(drop)
    }

    pub fn wake(&self) {
        let one = 1u64.to_ne_bytes();
        // SAFETY: writes 8 bytes from a live buffer to the eventfd this value shares. The only
        // possible failure is EAGAIN once the counter is near 2**64, when a wake-up is pending anyway.
        unsafe { libc::write(self.fd.as_raw_fd(), one.as_ptr().cast(), one.len()) };
    }
}

/// A blocking `epoll_wait` on an instance, interruptible by its [`Waker`]. Dropping it removes the
/// wake-up registration again.
#[derive(Debug)]
pub struct DirectWait {
    epfd: RawFd,
    waker: Waker,
    events: EventBuffer,
}

impl DirectWait {
    /// Registers a wake-up eventfd in the instance `epfd`, which must stay open until this value is
    /// dropped.
    pub fn attach(epfd: BorrowedFd<'_>) -> Result<DirectWait, OsError> {
        let waker = Waker::new()?;
        let mut event = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: INTERNAL_EVENT,
        };
        cvt(
            // SAFETY: `event` is an initialised epoll_event that outlives the call.
            unsafe {
                libc::epoll_ctl(
                    epfd.as_raw_fd(),
                    libc::EPOLL_CTL_ADD,
                    waker.as_raw_fd(),
                    &mut event,
                )
            },
            "epoll_ctl",
        )
        .map_err(|e| e.with_detail("EPOLL_CTL_ADD the watcher's wake-up eventfd"))?;
        Ok(DirectWait {
            epfd: epfd.as_raw_fd(),
            waker,
            events: EventBuffer::default(),
        })
    }

    pub fn waker(&self) -> Waker {
        self.waker.clone()
    }

    /// Blocks until the instance has events or the waker is called. Writes the events as pairs into
    /// `out` (`out[2i] = fd`, `out[2i+1] = events`) and returns how many, and whether it was woken
    /// (a wake-up and events can come together: both are reported). Signals never end the wait.
    pub fn wait_into(&mut self, out: &mut [u32]) -> Result<(usize, bool), OsError> {
        // SAFETY: the caller of `attach` keeps `epfd` open while this value lives.
        let epfd = unsafe { BorrowedFd::borrow_raw(self.epfd) };
        let n = match self.events.wait(epfd, out.len() / 2, Timeout::Forever) {
            Ok(n) => n,
            Err(Error::Os(e)) => return Err(e),
            Err(_) => return Err(OsError::new(libc::EBADF, "epoll_wait")),
        };
        let (written, woken) = self.events.copy_pairs(n, out);
        if woken {
            self.waker.reset()?;
        }
        Ok((written, woken))
    }
}

impl Drop for DirectWait {
    fn drop(&mut self) {
        let mut event = libc::epoll_event { events: 0, u64: 0 };
        // SAFETY: EPOLL_CTL_DEL ignores the event; a closed or reused epfd only makes it fail.
        unsafe {
            libc::epoll_ctl(
                self.epfd,
                libc::EPOLL_CTL_DEL,
                self.waker.fd.as_raw_fd(),
                &mut event,
            )
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epoll::test_support::borrowed;
    use crate::fd::{pipe, write};
    use crate::{Epoll, EPOLLIN};
    use std::fs::File;
    use std::os::fd::AsRawFd;
    use std::time::Duration;

    #[test]
    fn procfs_files_consume_readiness_on_poll_and_pipes_do_not() {
        let mounts = File::open("/proc/self/mounts").unwrap();
        assert!(consumes_readiness_on_poll(mounts.as_raw_fd()));
        let (r, _w) = pipe().unwrap();
        assert!(!consumes_readiness_on_poll(r.as_raw_fd()));
        assert!(!consumes_readiness_on_poll(-1), "a bad fd is not");
    }

    #[test]
    fn an_instance_tracks_whether_it_needs_a_direct_wait() {
        let mut ep = Epoll::new(true).unwrap();
        let (r, _w) = pipe().unwrap();
        ep.register(r.as_raw_fd(), EPOLLIN).unwrap();
        assert!(!ep.needs_direct_wait());
        let mounts = File::open("/proc/self/mounts").unwrap();
        ep.register(mounts.as_raw_fd(), crate::EPOLLPRI).unwrap();
        assert!(ep.needs_direct_wait());
        ep.unregister(mounts.as_raw_fd()).unwrap();
        assert!(!ep.needs_direct_wait());
    }

    #[test]
    fn a_direct_wait_returns_events_and_its_wake_up_never_reaches_callers() {
        let mut ep = Epoll::new(true).unwrap();
        let (r, w) = pipe().unwrap();
        ep.register(r.as_raw_fd(), EPOLLIN).unwrap();
        let mut direct = DirectWait::attach(borrowed(&ep)).unwrap();
        let mut out = [0u32; 8];
        write(w.as_raw_fd(), b"x").unwrap();
        assert_eq!(direct.wait_into(&mut out).unwrap(), (1, false));
        assert_eq!(&out[..2], &[r.as_raw_fd() as u32, EPOLLIN]);

        let waker = direct.waker();
        waker.wake();
        // A caller's own wait sees the pipe, never the wake-up eventfd.
        let mut mine = [0u32; 8];
        assert_eq!(ep.wait_into(&mut mine, Timeout::Immediate).unwrap(), 1);
        assert_eq!(&mine[..2], &[r.as_raw_fd() as u32, EPOLLIN]);
        assert_eq!(direct.wait_into(&mut out).unwrap(), (1, true));
        assert_eq!(
            ep.size(),
            1,
            "the wake-up is not a registration of the caller's"
        );
    }

    #[test]
    fn a_wake_from_another_thread_ends_a_blocked_direct_wait() {
        let ep = Epoll::new(true).unwrap();
        let mut direct = DirectWait::attach(borrowed(&ep)).unwrap();
        let waker = direct.waker();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            waker.wake();
        });
        let mut out = [0u32; 8];
        assert_eq!(direct.wait_into(&mut out).unwrap(), (0, true));
        t.join().unwrap();
    }

    #[test]
    fn a_caller_wait_that_sees_only_the_wake_up_keeps_waiting_for_its_time() {
        let mut ep = Epoll::new(true).unwrap();
        let direct = DirectWait::attach(borrowed(&ep)).unwrap();
        direct.waker().wake();
        let started = std::time::Instant::now();
        let mut out = [0u32; 8];
        let n = ep
            .wait_into(&mut out, Timeout::After(Duration::from_millis(20)))
            .unwrap();
        assert_eq!(n, 0);
        assert!(started.elapsed() >= Duration::from_millis(20));
    }
}
