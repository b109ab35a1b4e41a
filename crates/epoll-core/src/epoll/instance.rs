//! A safe epoll instance: one `epoll_ctl` path, EINTR-proof waits, and the set of registered fds.

use std::collections::{HashMap, HashSet};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::epoll::event_buffer::EventBuffer;
use crate::epoll::fdinfo::{fdinfo_registrations, is_epoll_fd, registered_in_fdinfo};
use crate::epoll::flags::{EPOLLEXCLUSIVE, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EPOLLPRI};
use crate::epoll::ownership;
use crate::epoll::timeout::Timeout;
use crate::error::{Error, OsError, Result};
use crate::sys::cvt;

/// What `register` watches when no mask is given: the same as Python's `select.epoll.register`.
pub const DEFAULT_EVENTS: u32 = EPOLLIN | EPOLLPRI | EPOLLOUT;

/// An epoll instance. Closing it (explicitly or by drop) closes its fd exactly once.
#[derive(Debug)]
pub struct Epoll {
    fd: Option<OwnedFd>,
    /// Registered fd -> the interest mask the caller asked for (what `modify`/`resume` restore).
    interest: HashMap<RawFd, u32>,
    /// Fd numbers that were closed while registered: the kernel may still hold their registration
    /// (a duplicate keeps the file open), so registering the number again is checked first.
    closed_while_registered: HashSet<RawFd>,
    /// `EPOLLEXCLUSIVE` fds that [`Epoll::suspend`] took out of the kernel (such a registration cannot
    /// be modified, only deleted and added again). They are still registered as far as callers see.
    suspended_by_removal: HashSet<RawFd>,
    /// Registered fds whose readiness a poll of the epoll fd from outside would consume (see
    /// [`crate::consumes_readiness_on_poll`]): their events need a direct watcher.
    poll_consuming: HashSet<RawFd>,
    /// Reused kernel buffer for `epoll_wait`.
    events: EventBuffer,
}

#[derive(Clone, Copy)]
enum Ctl {
    Add = libc::EPOLL_CTL_ADD as isize,
    Mod = libc::EPOLL_CTL_MOD as isize,
    Del = libc::EPOLL_CTL_DEL as isize,
}

impl Ctl {
    fn name(self) -> &'static str {
        match self {
            Ctl::Add => "EPOLL_CTL_ADD",
            Ctl::Mod => "EPOLL_CTL_MOD",
            Ctl::Del => "EPOLL_CTL_DEL",
        }
    }
}

impl Epoll {
    /// `epoll_create1`, with `EPOLL_CLOEXEC` unless `close_on_exec` is false.
    pub fn new(close_on_exec: bool) -> Result<Epoll> {
        let flags = if close_on_exec {
            libc::EPOLL_CLOEXEC
        } else {
            0
        };
        // SAFETY: epoll_create1 takes no pointers.
        let raw = cvt(unsafe { libc::epoll_create1(flags) }, "epoll_create1")?;
        ownership::claim(raw);
        // SAFETY: epoll_create1 just returned this fd and nothing else owns it.
        Ok(Epoll::adopt(
            unsafe { OwnedFd::from_raw_fd(raw) },
            HashMap::new(),
        ))
    }

    /// Adopts an existing epoll fd: this instance will close it. The fd must be an epoll instance
    /// and not already owned by another `Epoll` of this process. Its current registrations (read from
    /// `/proc/self/fdinfo`) count in [`Epoll::size`] and [`Epoll::has`].
    pub fn from_fd(fd: RawFd) -> Result<Epoll> {
        // SAFETY: fcntl(F_GETFD) takes no pointers; it only checks that the fd is open.
        cvt(unsafe { libc::fcntl(fd, libc::F_GETFD) }, "fcntl")
            .map_err(|e| e.with_detail(format!("F_GETFD fd {fd}")))?;
        if !is_epoll_fd(fd) {
            return Err(Error::NotEpoll(fd));
        }
        if !ownership::claim(fd) {
            return Err(Error::AlreadyOwned(fd));
        }
        let interest = registered_in_fdinfo(fd);
        // SAFETY: the fd is open, is an epoll instance, and `claim` proved that no other `Epoll`
        // owns it; the caller hands its ownership over by calling `from_fd`.
        Ok(Epoll::adopt(unsafe { OwnedFd::from_raw_fd(fd) }, interest))
    }

    fn adopt(fd: OwnedFd, interest: HashMap<RawFd, u32>) -> Epoll {
        Epoll {
            fd: Some(fd),
            interest,
            closed_while_registered: HashSet::new(),
            suspended_by_removal: HashSet::new(),
            poll_consuming: HashSet::new(),
            events: EventBuffer::default(),
        }
    }

    /// The epoll fd, or `Err(Closed)`.
    pub fn fd(&self) -> Result<RawFd> {
        self.fd
            .as_ref()
            .map(AsRawFd::as_raw_fd)
            .ok_or(Error::Closed)
    }

    pub fn is_closed(&self) -> bool {
        self.fd.is_none()
    }

    /// Closes the fd; later calls do nothing.
    pub fn close(&mut self) {
        if let Some(fd) = self.fd.take() {
            ownership::release(fd.as_raw_fd());
            drop(fd);
        }
        self.interest.clear();
        self.closed_while_registered.clear();
        self.suspended_by_removal.clear();
        self.poll_consuming.clear();
        self.events = EventBuffer::default();
    }

    /// How many fds are registered through this instance.
    pub fn size(&self) -> usize {
        self.interest.len()
    }

    pub fn has(&self, fd: RawFd) -> bool {
        self.interest.contains_key(&fd)
    }

    /// Whether a registered fd loses its events when the epoll fd is polled from outside (procfs and
    /// cgroup files): then only a direct `epoll_wait` on this instance delivers them.
    pub fn needs_direct_wait(&self) -> bool {
        !self.poll_consuming.is_empty()
    }

    /// The interest mask `fd` was registered or last modified with.
    pub fn interest(&self, fd: RawFd) -> Option<u32> {
        self.interest.get(&fd).copied()
    }

    /// `EPOLL_CTL_ADD`. Refused with [`Error::StaleRegistration`] when the number belonged to an fd
    /// closed without unregister whose file is still open elsewhere (see the error).
    pub fn register(&mut self, fd: RawFd, events: u32) -> Result<()> {
        if self.suspended_by_removal.contains(&fd) {
            // Out of the kernel only while suspended: it is registered, as the kernel would say.
            return Err(self.emulated(libc::EEXIST, Ctl::Add, fd));
        }
        let suspicious =
            self.interest.contains_key(&fd) || self.closed_while_registered.contains(&fd);
        self.ctl(Ctl::Add, fd, events)?;
        if suspicious {
            if self.kernel_registrations_of(fd) > 1 {
                // Undo: EPOLL_CTL_DEL through this fd removes only the new file's registration.
                let _ = self.ctl_raw(Ctl::Del, fd, 0);
                self.interest.remove(&fd);
                self.closed_while_registered.insert(fd);
                return Err(Error::StaleRegistration(fd));
            }
            self.closed_while_registered.remove(&fd);
        }
        Ok(())
    }

    pub fn modify(&mut self, fd: RawFd, events: u32) -> Result<()> {
        if self.suspended_by_removal.contains(&fd) {
            // What the kernel says of any `EPOLL_CTL_MOD` of an exclusive registration.
            return Err(self.emulated(libc::EINVAL, Ctl::Mod, fd));
        }
        self.ctl(Ctl::Mod, fd, events)
    }

    pub fn unregister(&mut self, fd: RawFd) -> Result<()> {
        if self.suspended_by_removal.remove(&fd) {
            self.interest.remove(&fd);
            self.poll_consuming.remove(&fd);
            // The kernel holds nothing to delete; a closed fd is still reported as the kernel would.
            // SAFETY: fcntl(F_GETFD) takes no pointers; it only checks that the fd is open.
            return match cvt(unsafe { libc::fcntl(fd, libc::F_GETFD) }, "epoll_ctl") {
                Ok(_) => Ok(()),
                Err(e) => {
                    self.closed_while_registered.insert(fd);
                    Err(e.with_detail(format!("{} fd {fd}", Ctl::Del.name())).into())
                }
            };
        }
        self.ctl(Ctl::Del, fd, 0)
    }

    /// The error the kernel would give for `op` on a suspended exclusive registration.
    fn emulated(&self, errno: i32, op: Ctl, fd: RawFd) -> Error {
        OsError::new(errno, "epoll_ctl")
            .with_detail(format!("{} fd {fd}", op.name()))
            .into()
    }

    /// Disarms a registered fd without forgetting its mask: re-registers it `EPOLLONESHOT`, so the
    /// kernel reports it at most once more. Used to park a ready level-triggered fd nobody consumes.
    /// An `EPOLLEXCLUSIVE` registration cannot be modified: it is removed from the kernel instead.
    pub fn suspend(&mut self, fd: RawFd) -> Result<()> {
        self.fd()?;
        let events = self.interest(fd).ok_or_else(|| not_registered(fd))?;
        if events & EPOLLEXCLUSIVE == 0 {
            return self.ctl_raw(Ctl::Mod, fd, events | EPOLLONESHOT);
        }
        if !self.suspended_by_removal.contains(&fd) {
            self.ctl_raw(Ctl::Del, fd, 0)?;
            self.suspended_by_removal.insert(fd);
        }
        Ok(())
    }

    /// Re-arms a suspended fd with the mask it was registered with.
    pub fn resume(&mut self, fd: RawFd) -> Result<()> {
        self.fd()?;
        let events = self.interest(fd).ok_or_else(|| not_registered(fd))?;
        if events & EPOLLEXCLUSIVE == 0 {
            return self.ctl_raw(Ctl::Mod, fd, events);
        }
        if self.suspended_by_removal.contains(&fd) {
            self.ctl_raw(Ctl::Add, fd, events)?;
            self.suspended_by_removal.remove(&fd);
        }
        Ok(())
    }

    fn ctl(&mut self, op: Ctl, fd: RawFd, events: u32) -> Result<()> {
        let result = self.ctl_raw(op, fd, events);
        match (op, &result) {
            (Ctl::Add, Ok(())) => {
                self.interest.insert(fd, events);
                if crate::epoll::direct::consumes_readiness_on_poll(fd) {
                    self.poll_consuming.insert(fd);
                }
            }
            (Ctl::Mod, Ok(())) => {
                self.interest.insert(fd, events);
            }
            // Whatever the kernel says, after a delete (or a closed fd) it holds no registration.
            (Ctl::Del, Ok(()))
            | (
                _,
                Err(Error::Os(OsError {
                    errno: libc::ENOENT | libc::EBADF,
                    ..
                })),
            ) => {
                let was_registered = self.interest.remove(&fd).is_some();
                self.poll_consuming.remove(&fd);
                // Refused because the fd is gone: it was closed while registered.
                if was_registered && result.is_err() {
                    self.closed_while_registered.insert(fd);
                }
            }
            _ => {}
        }
        result
    }

    /// How many registrations the kernel lists under fd number `fd` (one per open file).
    fn kernel_registrations_of(&self, fd: RawFd) -> usize {
        let Ok(epfd) = self.fd() else { return 0 };
        fdinfo_registrations(epfd)
            .filter(|(target, _)| *target == fd)
            .count()
    }

    /// The one `epoll_ctl` call site. The event's data is the fd, as Python's `select.epoll` does.
    fn ctl_raw(&self, op: Ctl, fd: RawFd, events: u32) -> Result<()> {
        let epfd = self.fd()?;
        let mut event = libc::epoll_event {
            events,
            u64: fd as u32 as u64,
        };
        cvt(
            // SAFETY: `event` is a valid, initialised epoll_event that outlives the call (the kernel
            // copies it; EPOLL_CTL_DEL ignores it).
            unsafe { libc::epoll_ctl(epfd, op as libc::c_int, fd, &mut event) },
            "epoll_ctl",
        )
        .map_err(|e| e.with_detail(format!("{} fd {fd}", op.name())))?;
        Ok(())
    }

    /// Waits for events and writes them as pairs, `out[2i] = fd`, `out[2i+1] = events`. Returns how
    /// many events were written (0 on timeout). A signal never ends the wait early: on EINTR it waits
    /// again for the time that remains.
    pub fn wait_into(&mut self, out: &mut [u32], timeout: Timeout) -> Result<usize> {
        let epfd = self.fd.as_ref().map(AsFd::as_fd).ok_or(Error::Closed)?;
        self.events.wait_into(epfd, out, timeout)
    }

    /// Waits for at most `max_events` events and returns them as `(fd, events)`.
    pub fn wait(&mut self, max_events: usize, timeout: Timeout) -> Result<Vec<(RawFd, u32)>> {
        let epfd = self.fd.as_ref().map(AsFd::as_fd).ok_or(Error::Closed)?;
        let n = self.events.wait(epfd, max_events, timeout)?;
        Ok(self.events.ready(n).collect())
    }
}

impl Drop for Epoll {
    fn drop(&mut self) {
        self.close();
    }
}

fn not_registered(fd: RawFd) -> Error {
    OsError::new(libc::ENOENT, "epoll_ctl")
        .with_detail(format!("EPOLL_CTL_MOD fd {fd}"))
        .into()
}
