//! The ring of provided receive buffers: memory the kernel picks from when a receive completes, so
//! a receive that waits holds no memory, and a thousand idle connections cost nothing.
//!
//! Two anonymous mappings: the ring of `io_uring_buf` entries the kernel reads (16 bytes each, its
//! tail in the first entry's last two bytes), and the buffers themselves. A buffer the kernel
//! filled is the caller's until [`Buffers::give_back`]; [`Buffers::publish`] then hands every
//! given-back buffer to the kernel with one release store of the tail.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicU16, Ordering};

use io_uring::types::BufRingEntry;

use crate::error::OsError;

/// The buffer group receives select from (one group per ring).
pub(super) const GROUP: u16 = 0;

/// One anonymous private mapping, unmapped on drop.
struct Mapping {
    at: NonNull<u8>,
    len: usize,
}

impl Mapping {
    fn new(len: usize) -> Result<Mapping, OsError> {
        // SAFETY: an anonymous private mapping at an address the kernel chooses touches no memory of ours.
        let at = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if at == libc::MAP_FAILED {
            return Err(OsError::last("mmap"));
        }
        Ok(Mapping {
            at: NonNull::new(at.cast()).expect("mmap returned a mapping at address 0"),
            len,
        })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping is ours and nothing refers to it after its owner is dropped (the ring
        // that registered it was torn down first: `Ring`'s fields drop in that order).
        unsafe { libc::munmap(self.at.as_ptr().cast(), self.len) };
    }
}

/// The provided buffers of one ring.
pub(super) struct Buffers {
    entries: Mapping,
    memory: Mapping,
    count: u16,
    size: u32,
    /// The next tail to publish: buffers given back since the last [`Buffers::publish`] are before it.
    tail: u16,
}

impl Buffers {
    /// `count` buffers (a power of two) of `size` bytes, all in the ring, not yet registered.
    pub(super) fn new(count: u16, size: u32) -> Result<Buffers, OsError> {
        assert!(
            count.is_power_of_two() && count <= 32768,
            "buffer count {count}"
        );
        let entries = Mapping::new(usize::from(count) * std::mem::size_of::<BufRingEntry>())?;
        let memory = Mapping::new(usize::from(count) * size as usize)?;
        let mut buffers = Buffers {
            entries,
            memory,
            count,
            size,
            tail: 0,
        };
        for bid in 0..count {
            buffers.give_back(bid);
        }
        buffers.publish();
        Ok(buffers)
    }

    /// The address to register the ring at.
    pub(super) fn ring_address(&self) -> u64 {
        self.entries.at.as_ptr() as u64
    }

    pub(super) fn count(&self) -> u16 {
        self.count
    }

    pub(super) fn size(&self) -> u32 {
        self.size
    }

    /// The first `len` bytes of buffer `bid`, which the kernel filled and handed over in a completion.
    pub(super) fn filled(&self, bid: u16, len: usize) -> &[u8] {
        assert!(
            bid < self.count && len <= self.size as usize,
            "buffer {bid}, {len} bytes"
        );
        // SAFETY: in bounds of the buffer memory (checked above); the kernel wrote these bytes
        // before posting the completion that named the buffer, and does not touch the buffer again
        // until it is given back.
        unsafe {
            std::slice::from_raw_parts(
                self.memory
                    .at
                    .as_ptr()
                    .add(usize::from(bid) * self.size as usize),
                len,
            )
        }
    }

    /// Puts buffer `bid` back in the ring (the kernel sees it after [`Buffers::publish`]).
    pub(super) fn give_back(&mut self, bid: u16) {
        let slot = usize::from(self.tail & (self.count - 1));
        // SAFETY: `slot` < `count` entries of the mapping; the kernel reads only entries before the
        // published tail, and this one is at or after it.
        let entry = unsafe { &mut *self.entries.at.as_ptr().cast::<BufRingEntry>().add(slot) };
        // SAFETY: the buffer lies inside the memory mapping (bid < count).
        let address = unsafe {
            self.memory
                .at
                .as_ptr()
                .add(usize::from(bid) * self.size as usize)
        };
        entry.set_addr(address as u64);
        entry.set_len(self.size);
        entry.set_bid(bid);
        self.tail = self.tail.wrapping_add(1);
    }

    /// Lets the kernel use every buffer given back so far.
    pub(super) fn publish(&self) {
        let base = self.entries.at.as_ptr().cast::<BufRingEntry>();
        // SAFETY: the tail field lies in the first entry of the mapping; the kernel reads it with an
        // acquire load, so this release store orders the entries written before it.
        let tail = unsafe { &*BufRingEntry::tail(base).cast::<AtomicU16>() };
        tail.store(self.tail, Ordering::Release);
    }
}
