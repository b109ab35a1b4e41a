//! Many datagrams per system call: `recvmmsg` and `sendmmsg` over a caller-owned slab.
//!
//! The caller's memory is laid out for servers that move thousands of datagrams per second (DNS,
//! QUIC, metrics collectors) and want no allocation per datagram:
//! - `data`: a slab of fixed-size slots, slot `i` at `i * slot` (a datagram larger than its slot is
//!   truncated, flagged with `MSG_TRUNC`);
//! - `meta`: [`META_STRIDE`] ints per slot: the datagram's length, its `msg_flags`, and the length
//!   of its address (0: none);
//! - `addresses` (optional): one `sockaddr_storage`-sized slot of [`ADDRESS_SLOT_SIZE`] bytes per slot,
//!   written on receive (the senders) and read on send (the destinations). Without it nothing is
//!   written on receive, and sends go to the connected peer.
//!
//! The `mmsghdr`/`iovec` arrays the kernel needs live in a [`MessageScratch`] the caller keeps, so a
//! call allocates nothing once the scratch has grown to the batch size.
//!
//! This file holds the layout, the scratch and the bounds check both calls make; [`receive`] and
//! [`send`] are the two calls.

mod receive;
mod send;

use super::address::SOCKADDR_STORAGE_SIZE;
use crate::error::OsError;

/// At most this many messages per call (the kernel's `UIO_MAXIOV`, which caps `vlen` too).
pub const MAX_MESSAGES: usize = 1024;
/// Ints of `meta` per slot: `[length, flags, address length]`.
pub const META_STRIDE: usize = 3;
/// Bytes per address slot: a whole `sockaddr_storage`, so any family fits.
pub const ADDRESS_SLOT_SIZE: usize = SOCKADDR_STORAGE_SIZE;

/// The header arrays of the system calls, reused from call to call.
#[derive(Default)]
pub struct MessageScratch {
    headers: Vec<libc::mmsghdr>,
    iovecs: Vec<libc::iovec>,
}

/// Where the messages of one call are: slots `start .. start + count` of the caller's memory.
pub struct Slots {
    pub slot: usize,
    pub start: usize,
    pub count: usize,
}

pub(super) fn invalid(syscall: &'static str, why: String) -> OsError {
    OsError::new(libc::EINVAL, syscall).with_detail(why)
}

/// Every slot the call touches lies inside the memory it was given.
pub(super) fn check(
    syscall: &'static str,
    slots: &Slots,
    data: usize,
    meta: usize,
    addresses: Option<usize>,
) -> Result<(), OsError> {
    let end = slots
        .start
        .checked_add(slots.count)
        .ok_or_else(|| invalid(syscall, "slot range overflows".into()))?;
    if slots.count == 0 || slots.count > MAX_MESSAGES {
        return Err(invalid(
            syscall,
            format!("{} messages (1 to {MAX_MESSAGES})", slots.count),
        ));
    }
    if slots.slot == 0 || end.checked_mul(slots.slot).is_none_or(|bytes| bytes > data) {
        return Err(invalid(
            syscall,
            format!(
                "slots up to {end} of {} bytes do not fit {data} bytes",
                slots.slot
            ),
        ));
    }
    if end.checked_mul(META_STRIDE).is_none_or(|ints| ints > meta) {
        return Err(invalid(
            syscall,
            format!(
                "slots up to {end} need {} meta ints, got {meta}",
                end * META_STRIDE
            ),
        ));
    }
    if let Some(size) = addresses {
        if end
            .checked_mul(ADDRESS_SLOT_SIZE)
            .is_none_or(|bytes| bytes > size)
        {
            return Err(invalid(
                syscall,
                format!(
                    "slots up to {end} need {} address bytes, got {size}",
                    end * ADDRESS_SLOT_SIZE
                ),
            ));
        }
    }
    Ok(())
}

impl MessageScratch {
    /// Room for `count` headers and iovecs (grown once, then reused).
    pub(super) fn prepare(&mut self, count: usize) {
        // SAFETY: mmsghdr and iovec are plain old data; all-zero is a valid value of each (null
        // pointers, zero lengths), and every field a call uses is set before the call.
        let (header, iovec) = unsafe { (std::mem::zeroed(), std::mem::zeroed()) };
        self.headers.resize(count, header);
        self.iovecs.resize(count, iovec);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{listen_udp, SockAddr};
    use std::os::fd::AsRawFd;

    fn loopback() -> SockAddr {
        SockAddr::inet("127.0.0.1:0".parse().unwrap())
    }

    #[test]
    fn slots_outside_the_memory_are_einval_before_any_system_call() {
        let fd = listen_udp(&loopback(), false, None).unwrap();
        let (mut data, mut meta) = (vec![0u8; 16], vec![0i32; 6]);
        let mut scratch = MessageScratch::default();
        for slots in [
            Slots {
                slot: 8,
                start: 1,
                count: 2,
            },
            Slots {
                slot: 0,
                start: 0,
                count: 1,
            },
            Slots {
                slot: 8,
                start: 0,
                count: 0,
            },
            Slots {
                slot: 1,
                start: 0,
                count: MAX_MESSAGES + 1,
            },
        ] {
            let err = scratch
                .receive(fd.as_raw_fd(), &mut data, &mut meta, None, &slots)
                .unwrap_err();
            assert_eq!((err.code().as_str(), err.syscall), ("EINVAL", "recvmmsg"));
        }
        meta[0] = 9; // more than the 8-byte slot holds
        let err = scratch
            .send(
                fd.as_raw_fd(),
                &data,
                &meta,
                None,
                &Slots {
                    slot: 8,
                    start: 0,
                    count: 1,
                },
            )
            .unwrap_err();
        assert_eq!((err.code().as_str(), err.syscall), ("EINVAL", "sendmmsg"));
    }
}
