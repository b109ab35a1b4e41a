//! Batch I/O: one call that moves bytes for many fds, so that a caller paying a fixed price per call
//! (a JavaScript ↔ native crossing costs about as much as the system call itself) pays it once per
//! batch instead of once per fd. The system calls are exactly the ones a loop of single reads or
//! writes would make, in the same order.
//!
//! Every fd gets its own outcome in a caller-owned slot of an `i32` array; one failing fd (a peer
//! that reset its connection) never stops the others, so failures are numbers here, not errors:
//! the negative errno, as libuv reports them (`-32` for `EPIPE`).

use std::os::fd::RawFd;

use super::io::{read, write};
use crate::error::OsError;

/// `read_slots`'s outcome for an fd that was not read (no input event, skipped, or would block).
pub const NOT_READ: i32 = -1;

/// The events that mean a read will return something: data, end of file, or the pending error.
const READABLE: u32 = (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32;

/// A count of bytes moved by one read(2) or write(2): Linux moves at most `0x7ffff000` per call.
fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn failed(e: OsError) -> i32 {
    -e.errno
}

/// Writes `data` to every fd of `fds` in order. `results[i]` is what `fds[i]` took: the bytes
/// written (fewer than `data.len()` when its buffer filled up, `0` when it was full), or the
/// negative errno of the failure. Returns how many fds took all of `data`.
///
/// `results` must be at least as long as `fds`.
pub fn write_many(fds: &[RawFd], data: &[u8], results: &mut [i32]) -> usize {
    let mut complete = 0;
    for (fd, result) in fds.iter().zip(results.iter_mut()) {
        *result = match write(*fd, data) {
            Ok(Some(n)) => {
                complete += usize::from(n == data.len());
                count(n)
            }
            Ok(None) => 0,
            Err(e) => failed(e),
        };
    }
    complete
}

/// Reads every readable fd of `pairs` (`[fd, events]` as `epoll_wait` reports them) into its own
/// slot of `slab`: pair `i` into `slab[i * slot .. (i + 1) * slot]`. `lengths[i]` is the outcome: the
/// bytes read, `0` at end of file, [`NOT_READ`] when the events hold no input (or `skip[fd]` is
/// non-zero, or the read would block), or the negative errno of the failure.
///
/// `lengths` must have room for every pair and `slab` for every slot.
pub fn read_slots(
    pairs: &[u32],
    skip: Option<&[u8]>,
    slab: &mut [u8],
    slot: usize,
    lengths: &mut [i32],
) {
    for ((pair, length), buf) in pairs
        .chunks_exact(2)
        .zip(lengths.iter_mut())
        .zip(slab.chunks_exact_mut(slot))
    {
        let (fd, events) = (pair[0], pair[1]);
        let skipped = skip.is_some_and(|mask| mask.get(fd as usize).is_some_and(|&s| s != 0));
        *length = if events & READABLE == 0 || skipped {
            NOT_READ
        } else {
            match read(fd as RawFd, buf) {
                Ok(Some(n)) => count(n),
                Ok(None) => NOT_READ,
                Err(e) => failed(e),
            }
        };
    }
}

/// Writes slot `i` of `slab` (its first `lengths[i]` bytes) to the fd of pair `i` of `pairs`, for
/// every pair whose length is positive. `results[i]` is as in [`write_many`] (`0` also when there
/// was nothing to write). Returns how many slots were written completely.
///
/// `lengths` and `results` must have room for every pair, `slab` for every slot.
pub fn write_slots(
    pairs: &[u32],
    lengths: &[i32],
    slab: &[u8],
    slot: usize,
    results: &mut [i32],
) -> usize {
    let mut complete = 0;
    for (((pair, &length), buf), result) in pairs
        .chunks_exact(2)
        .zip(lengths)
        .zip(slab.chunks_exact(slot))
        .zip(results.iter_mut())
    {
        let Ok(length) = usize::try_from(length) else {
            *result = 0;
            continue;
        };
        let data = &buf[..length.min(slot)];
        *result = if data.is_empty() {
            0
        } else {
            match write(pair[0] as RawFd, data) {
                Ok(Some(n)) => {
                    complete += usize::from(n == data.len());
                    count(n)
                }
                Ok(None) => 0,
                Err(e) => failed(e),
            }
        };
    }
    complete
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fd::pipe, net::socketpair};
    use std::os::fd::AsRawFd;

    const IN: u32 = libc::EPOLLIN as u32;

    #[test]
    fn one_buffer_reaches_every_fd_and_each_outcome_is_its_own() {
        let (r1, w1) = pipe().unwrap();
        let (r2, w2) = pipe().unwrap();
        let (_r3, w3) = pipe().unwrap();
        let (r4, w4) = pipe().unwrap();
        drop(r4); // no reader: EPIPE, and the fds after it still get the bytes
        let fds = [
            w1.as_raw_fd(),
            w4.as_raw_fd(),
            w2.as_raw_fd(),
            w3.as_raw_fd(),
        ];
        let mut results = [99; 4];
        let complete = write_many(&fds, b"hello", &mut results);
        assert_eq!(results, [5, -libc::EPIPE, 5, 5]);
        assert_eq!(complete, 3);
        let mut buf = [0u8; 8];
        for r in [&r1, &r2] {
            assert_eq!(read(r.as_raw_fd(), &mut buf).unwrap(), Some(5));
            assert_eq!(&buf[..5], b"hello");
        }
    }

    #[test]
    fn a_full_fd_takes_part_of_the_buffer_then_nothing() {
        let (_r, w) = pipe().unwrap();
        let chunk = vec![1u8; 1 << 20];
        let mut results = [0; 1];
        write_many(&[w.as_raw_fd()], &chunk, &mut results);
        assert!(
            results[0] > 0 && (results[0] as usize) < chunk.len(),
            "partial: {results:?}"
        );
        assert_eq!(write_many(&[w.as_raw_fd()], &chunk, &mut results), 0);
        assert_eq!(results, [0], "a full pipe takes nothing");
    }

    #[test]
    fn every_readable_fd_is_read_into_its_own_slot() {
        let (a, b) = socketpair(libc::SOCK_STREAM).unwrap();
        let (c, d) = socketpair(libc::SOCK_STREAM).unwrap();
        let (e, f) = socketpair(libc::SOCK_STREAM).unwrap();
        write(b.as_raw_fd(), b"one").unwrap();
        write(d.as_raw_fd(), b"three").unwrap();
        drop(f); // end of file on e
        let pairs = [
            a.as_raw_fd() as u32,
            IN,
            c.as_raw_fd() as u32,
            IN,
            e.as_raw_fd() as u32,
            IN | libc::EPOLLRDHUP as u32,
            a.as_raw_fd() as u32,
            libc::EPOLLOUT as u32, // no input event: not read
        ];
        let mut slab = [0u8; 4 * 8];
        let mut lengths = [99; 4];
        read_slots(&pairs, None, &mut slab, 8, &mut lengths);
        assert_eq!(lengths, [3, 5, 0, NOT_READ]);
        assert_eq!(&slab[..3], b"one");
        assert_eq!(&slab[8..13], b"three");
    }

    #[test]
    fn skipped_fds_and_fds_with_nothing_to_read_are_not_read() {
        let (a, b) = socketpair(libc::SOCK_STREAM).unwrap();
        let (c, _d) = socketpair(libc::SOCK_STREAM).unwrap();
        write(b.as_raw_fd(), b"kept").unwrap();
        let mut skip = vec![0u8; a.as_raw_fd() as usize + 1];
        skip[a.as_raw_fd() as usize] = 1;
        let pairs = [a.as_raw_fd() as u32, IN, c.as_raw_fd() as u32, IN];
        let (mut slab, mut lengths) = ([0u8; 8], [0; 2]);
        read_slots(&pairs, Some(&skip), &mut slab, 4, &mut lengths);
        assert_eq!(lengths, [NOT_READ, NOT_READ], "skipped, and would block");
        let mut buf = [0u8; 8];
        assert_eq!(
            read(a.as_raw_fd(), &mut buf).unwrap(),
            Some(4),
            "still there"
        );
    }

    #[test]
    fn a_failed_read_is_its_negative_errno() {
        let (r, w) = pipe().unwrap();
        // Reading the write end of a pipe is EBADF: a failure that leaves the other slots alone.
        let pairs = [w.as_raw_fd() as u32, IN, r.as_raw_fd() as u32, IN];
        write(w.as_raw_fd(), b"x").unwrap();
        let (mut slab, mut lengths) = ([0u8; 4], [0; 2]);
        read_slots(&pairs, None, &mut slab, 2, &mut lengths);
        assert_eq!(lengths, [-libc::EBADF, 1]);
    }

    #[test]
    fn slots_are_written_back_to_their_fds() {
        let (a, b) = socketpair(libc::SOCK_STREAM).unwrap();
        let (c, d) = socketpair(libc::SOCK_STREAM).unwrap();
        let pairs = [
            a.as_raw_fd() as u32,
            IN,
            c.as_raw_fd() as u32,
            IN,
            a.as_raw_fd() as u32,
            IN,
        ];
        let slab = *b"ab__cde_zzzz";
        let mut results = [99; 3];
        let complete = write_slots(&pairs, &[2, 3, NOT_READ], &slab, 4, &mut results);
        assert_eq!((complete, results), (2, [2, 3, 0]));
        let mut buf = [0u8; 8];
        assert_eq!(read(b.as_raw_fd(), &mut buf).unwrap(), Some(2));
        assert_eq!(&buf[..2], b"ab");
        assert_eq!(read(d.as_raw_fd(), &mut buf).unwrap(), Some(3));
        assert_eq!(&buf[..3], b"cde");
    }
}
