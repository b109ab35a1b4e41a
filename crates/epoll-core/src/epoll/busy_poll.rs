//! Busy polling of an epoll instance (`EPIOCSPARAMS`/`EPIOCGPARAMS`, Linux >= 6.9): `epoll_wait`
//! spins on the NAPI queues of the sockets it watches for up to `usecs` before sleeping, trading
//! CPU time for latency.

use super::Epoll;
use crate::daemon::ioctl_buffer;
use crate::error::{OsError, Result};

/// The busy-poll parameters of an epoll instance. A fresh instance has all of them zero (off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BusyPoll {
    /// How long `epoll_wait` busy-polls before it sleeps, in microseconds (at most `i32::MAX`).
    pub usecs: u32,
    /// Packets handled per busy-poll round; above [`BUSY_POLL_BUDGET_UNPRIVILEGED`] needs
    /// `CAP_NET_ADMIN` (else `EPERM`). 0 means the kernel's default (8).
    pub budget: u16,
    /// `prefer_busy_poll`: let busy polling take over from interrupts (with the device's
    /// `napi_defer_hard_irqs`/`gro_flush_timeout` set).
    pub prefer: bool,
}

/// The largest budget a process without `CAP_NET_ADMIN` may set (the kernel's `NAPI_POLL_WEIGHT`).
pub const BUSY_POLL_BUDGET_UNPRIVILEGED: u16 = 64;

fn params(p: BusyPoll) -> [u8; 8] {
    let mut bytes = [0u8; 8];
    bytes[..4].copy_from_slice(&p.usecs.to_ne_bytes());
    bytes[4..6].copy_from_slice(&p.budget.to_ne_bytes());
    bytes[6] = u8::from(p.prefer);
    bytes
}

/// Old kernels have no ioctl on epoll fds at all and answer `ENOTTY`: say what is missing.
fn explain(e: OsError, request: &str) -> OsError {
    match e.errno {
        libc::ENOTTY => e.with_detail(format!(
            "{request}: busy polling an epoll instance needs Linux 6.9 or later"
        )),
        // The parameters are checked before the call, so the kernel's EINVAL means it does not
        // know the request either (or a future one changed the struct).
        libc::EINVAL => e.with_detail(format!(
            "{request}: refused; busy polling an epoll instance needs Linux 6.9 or later"
        )),
        libc::EOPNOTSUPP => e.with_detail(format!(
            "{request}: this kernel is built without CONFIG_NET_RX_BUSY_POLL"
        )),
        libc::EPERM => e.with_detail(format!(
            "{request}: a budget above {BUSY_POLL_BUDGET_UNPRIVILEGED} needs CAP_NET_ADMIN"
        )),
        _ => e.with_detail(request.to_owned()),
    }
}

impl Epoll {
    /// Sets the busy-poll parameters (`EPIOCSPARAMS`). `usecs` above `i32::MAX` is `EINVAL`.
    pub fn set_busy_poll(&self, p: BusyPoll) -> Result<()> {
        let fd = self.fd()?;
        if p.usecs > i32::MAX as u32 {
            return Err(OsError::new(libc::EINVAL, "ioctl")
                .with_detail(format!("EPIOCSPARAMS: usecs {} > 2147483647", p.usecs))
                .into());
        }
        let mut bytes = params(p);
        // SAFETY: EPIOCSPARAMS reads one `struct epoll_params` (8 bytes, no pointers).
        unsafe { ioctl_buffer(fd, libc::EPIOCSPARAMS as u32, &mut bytes) }
            .map_err(|e| explain(e, "EPIOCSPARAMS"))?;
        Ok(())
    }

    /// Reads the busy-poll parameters back (`EPIOCGPARAMS`).
    pub fn busy_poll(&self) -> Result<BusyPoll> {
        let fd = self.fd()?;
        let mut bytes = [0u8; 8];
        // SAFETY: EPIOCGPARAMS writes one `struct epoll_params` (8 bytes, no pointers).
        unsafe { ioctl_buffer(fd, libc::EPIOCGPARAMS as u32, &mut bytes) }
            .map_err(|e| explain(e, "EPIOCGPARAMS"))?;
        Ok(BusyPoll {
            usecs: u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            budget: u16::from_ne_bytes([bytes[4], bytes[5]]),
            prefer: bytes[6] != 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn a_fresh_instance_reads_back_zeros_and_what_was_set_reads_back() {
        let ep = Epoll::new(true).unwrap();
        assert_eq!(ep.busy_poll().unwrap(), BusyPoll::default());
        let p = BusyPoll {
            usecs: 50,
            budget: 16,
            prefer: true,
        };
        ep.set_busy_poll(p).unwrap();
        assert_eq!(ep.busy_poll().unwrap(), p);
    }

    #[test]
    fn usecs_beyond_int32_is_einval_and_a_closed_instance_is_closed() {
        let mut ep = Epoll::new(true).unwrap();
        let too_long = BusyPoll {
            usecs: u32::MAX,
            ..BusyPoll::default()
        };
        match ep.set_busy_poll(too_long) {
            Err(Error::Os(e)) => assert_eq!((e.errno, e.syscall), (libc::EINVAL, "ioctl")),
            other => panic!("{other:?}"),
        }
        ep.close();
        assert_eq!(ep.busy_poll(), Err(Error::Closed));
    }

    #[test]
    fn a_non_epoll_fd_is_refused_by_the_kernel() {
        let (r, _w) = crate::fd::pipe().unwrap();
        let mut bytes = [0u8; 8];
        // SAFETY: EPIOCGPARAMS writes 8 bytes; a pipe refuses it anyway.
        let err = unsafe {
            ioctl_buffer(
                std::os::fd::AsRawFd::as_raw_fd(&r),
                libc::EPIOCGPARAMS as u32,
                &mut bytes,
            )
        }
        .unwrap_err();
        assert_eq!(err.errno, libc::ENOTTY);
        assert!(explain(err, "EPIOCGPARAMS")
            .to_string()
            .contains("Linux 6.9"));
    }
}
