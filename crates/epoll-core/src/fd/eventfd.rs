//! `eventfd(2)`: a kernel counter that wakes epoll when it is non-zero.

use std::os::fd::{FromRawFd, OwnedFd};

use crate::error::OsError;
use crate::sys::cvt;

/// A non-blocking, close-on-exec eventfd starting at `initial`. Reading it (8 bytes, native
/// endianness) returns the count and resets it to 0, or with `semaphore` returns 1 and decrements.
pub fn eventfd(initial: u32, semaphore: bool) -> Result<OwnedFd, OsError> {
    let mut flags = libc::EFD_NONBLOCK | libc::EFD_CLOEXEC;
    if semaphore {
        flags |= libc::EFD_SEMAPHORE;
    }
    // SAFETY: eventfd takes no pointers.
    let fd = cvt(unsafe { libc::eventfd(initial, flags) }, "eventfd")?;
    // SAFETY: eventfd just returned this fd; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{read, write};
    use std::os::fd::AsRawFd;

    fn read_count(fd: &OwnedFd) -> Option<u64> {
        let mut buf = [0u8; 8];
        read(fd.as_raw_fd(), &mut buf).unwrap().map(|n| {
            assert_eq!(n, 8);
            u64::from_ne_bytes(buf)
        })
    }

    #[test]
    fn writes_add_up_and_a_read_takes_the_sum() {
        let fd = eventfd(2, false).unwrap();
        write(fd.as_raw_fd(), &5u64.to_ne_bytes()).unwrap();
        assert_eq!(read_count(&fd), Some(7));
        assert_eq!(
            read_count(&fd),
            None,
            "the counter is 0: a read would block"
        );
    }

    #[test]
    fn a_semaphore_counts_down_one_by_one() {
        let fd = eventfd(2, true).unwrap();
        assert_eq!(
            (read_count(&fd), read_count(&fd), read_count(&fd)),
            (Some(1), Some(1), None)
        );
    }
}
