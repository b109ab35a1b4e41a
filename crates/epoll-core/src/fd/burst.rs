//! Read turns of a stream (`openStream`): everything an fd has now, up to a budget, in one call,
//! either as bytes packed one after the other ([`read_burst`]) or as whole messages, each read into
//! room of its own and packed after the previous one ([`read_messages`]). A turn stops when the fd
//! would block, at end of file, on a failure, or when the budget is used up: then the caller yields
//! to its event loop before the next turn, so an fd that is always ready cannot starve it.

use std::os::fd::RawFd;

use super::io::read;
use crate::error::OsError;
use crate::sys::{cvt, cvt_size, retry};

/// Why a read turn stopped (its `i32` is what the binding writes into the caller's state array).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Stop {
    /// Nothing more to read now: wait for the next readiness.
    WouldBlock = 0,
    /// The budget is used up and the fd may have more: read on after other work had its turn.
    Budget = 1,
    /// End of file: the peer closed or shut down its writing half.
    Eof = 2,
    /// A read failed after others had read something: the next turn's first read reports it.
    ErrorNext = 3,
}

/// What one turn read: `count` bytes (or messages) and why it stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Turn {
    pub count: usize,
    pub stop: Stop,
}

/// Reads `fd` into `buf` until it would block, ends, fails, or fewer than `min_read` bytes of room
/// are left (a device such as evdev, inotify or eventfd refuses a read too small for its next
/// record, with EINVAL). With `short_drains`, a read that returns less than it asked means the fd is
/// empty now (stream sockets, pipes and FIFOs: any later data wakes an edge-triggered waiter again),
/// so no further read is spent on hearing EAGAIN. A failure before anything was read is the error.
pub fn read_burst(
    fd: RawFd,
    buf: &mut [u8],
    min_read: usize,
    short_drains: bool,
) -> Result<Turn, OsError> {
    let min_read = min_read.max(1);
    let mut total = 0;
    let turn = |count, stop| Ok(Turn { count, stop });
    loop {
        let asked = buf.len() - total;
        match read(fd, &mut buf[total..]) {
            Err(e) if total == 0 => return Err(e),
            Err(_) => return turn(total, Stop::ErrorNext),
            Ok(None) => return turn(total, Stop::WouldBlock),
            Ok(Some(0)) => return turn(total, Stop::Eof),
            Ok(Some(n)) => {
                total += n;
                if short_drains && n < asked {
                    return turn(total, Stop::WouldBlock);
                }
                if buf.len() - total < min_read {
                    return turn(total, Stop::Budget);
                }
            }
        }
    }
}

/// Reads whole messages from `fd` (seqpacket, datagram and raw sockets, TUN/TAP): message `i` goes
/// right after message `i - 1` in `buf`, with `slot` bytes of room (a longer one is cut, as
/// `read(2)` cuts it), and its size into `lengths[i]`; at most `lengths.len()` messages, while
/// `slot` bytes of `buf` are left. A 0-byte read is a 0-byte message when `empty_messages` (datagram
/// and seqpacket sockets), unless the peer is gone (`POLLRDHUP`/`POLLHUP`: a seqpacket peer's
/// shutdown, which reads as 0 bytes too); elsewhere it is end of file.
pub fn read_messages(
    fd: RawFd,
    buf: &mut [u8],
    slot: usize,
    lengths: &mut [i32],
    empty_messages: bool,
) -> Result<Turn, OsError> {
    let slot = slot.max(1);
    let mut count = 0;
    let mut at = 0;
    let turn = |count, stop| Ok(Turn { count, stop });
    loop {
        if count == lengths.len() || buf.len() - at < slot {
            return turn(count, Stop::Budget);
        }
        match read(fd, &mut buf[at..at + slot]) {
            Err(e) if count == 0 => return Err(e),
            Err(_) => return turn(count, Stop::ErrorNext),
            Ok(None) => return turn(count, Stop::WouldBlock),
            Ok(Some(0)) if !empty_messages || ended(fd, &mut buf[at..at + slot])? => {
                return turn(count, Stop::Eof)
            }
            Ok(Some(n)) => {
                lengths[count] = n as i32;
                count += 1;
                at += n;
            }
        }
    }
}

/// Whether a 0-byte read of a message socket was its end rather than a 0-byte message: the peer
/// shut down or hung up (`POLLRDHUP`/`POLLHUP`, asked without waiting) and nothing but more zeros
/// follows (peeked into `scratch`, the next message's room). A 0-byte message sent right before the
/// peer's shutdown cannot be told from the end: it is taken as the end.
fn ended(fd: RawFd, scratch: &mut [u8]) -> Result<bool, OsError> {
    let mut entry = libc::pollfd {
        fd,
        events: libc::POLLRDHUP,
        revents: 0,
    };
    // SAFETY: `entry` is one valid pollfd for the whole call, and the count says one.
    retry(|| cvt(unsafe { libc::poll(&mut entry, 1, 0) }, "poll"))?;
    if entry.revents & (libc::POLLRDHUP | libc::POLLHUP) == 0 {
        return Ok(false);
    }
    let flags = libc::MSG_PEEK | libc::MSG_DONTWAIT;
    let peeked = retry(|| {
        // SAFETY: `scratch` is valid for writes of `scratch.len()` bytes for the whole call.
        cvt_size(
            unsafe { libc::recv(fd, scratch.as_mut_ptr().cast(), scratch.len(), flags) },
            "recv",
        )
    })?;
    Ok(!matches!(peeked, Some(n) if n > 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{pipe, write};
    use std::os::fd::{AsRawFd, OwnedFd};

    fn pair(kind: libc::c_int) -> (OwnedFd, OwnedFd) {
        crate::net::socketpair(kind).unwrap()
    }

    #[test]
    fn a_burst_reads_what_is_there_then_says_would_block() {
        let (r, w) = pipe().unwrap();
        write(w.as_raw_fd(), b"hello").unwrap();
        let mut buf = [0u8; 64];
        let turn = read_burst(r.as_raw_fd(), &mut buf, 8, false).unwrap();
        assert_eq!(
            turn,
            Turn {
                count: 5,
                stop: Stop::WouldBlock
            }
        );
        assert_eq!(&buf[..5], b"hello");
    }

    #[test]
    fn a_short_read_of_a_pipe_ends_the_burst_without_another_read() {
        let (r, w) = pipe().unwrap();
        write(w.as_raw_fd(), b"abc").unwrap();
        let mut buf = [0u8; 64];
        let turn = read_burst(r.as_raw_fd(), &mut buf, 8, true).unwrap();
        assert_eq!(
            turn,
            Turn {
                count: 3,
                stop: Stop::WouldBlock
            }
        );
    }

    #[test]
    fn a_burst_stops_at_its_budget_and_the_rest_stays_for_the_next_turn() {
        let (r, w) = pipe().unwrap();
        write(w.as_raw_fd(), &[7u8; 100]).unwrap();
        let mut buf = [0u8; 40];
        let turn = read_burst(r.as_raw_fd(), &mut buf, 8, false).unwrap();
        assert_eq!(
            turn,
            Turn {
                count: 40,
                stop: Stop::Budget
            }
        );
        let mut rest = [0u8; 100];
        assert_eq!(
            read_burst(r.as_raw_fd(), &mut rest, 8, false)
                .unwrap()
                .count,
            60
        );
    }

    #[test]
    fn a_burst_reports_end_of_file_after_the_last_bytes() {
        let (r, w) = pipe().unwrap();
        write(w.as_raw_fd(), b"last").unwrap();
        drop(w);
        let mut buf = [0u8; 64];
        assert_eq!(
            read_burst(r.as_raw_fd(), &mut buf, 8, false).unwrap(),
            Turn {
                count: 4,
                stop: Stop::Eof
            }
        );
    }

    #[test]
    fn a_failure_before_any_byte_is_the_error() {
        // The write end of a pipe cannot be read: EBADF.
        let (_r, w) = pipe().unwrap();
        let mut buf = [0u8; 4];
        let err = read_burst(w.as_raw_fd(), &mut buf, 1, false).unwrap_err();
        assert_eq!((err.errno, err.syscall), (libc::EBADF, "read"));
    }

    #[test]
    fn seqpacket_messages_keep_their_boundaries_and_an_empty_one_is_a_message() {
        let (a, b) = pair(libc::SOCK_SEQPACKET);
        for message in [&b"one"[..], b"", b"three!"] {
            write(a.as_raw_fd(), message).unwrap();
        }
        let mut buf = [0u8; 256];
        let mut lengths = [0i32; 8];
        let turn = read_messages(b.as_raw_fd(), &mut buf, 16, &mut lengths, true).unwrap();
        assert_eq!(
            turn,
            Turn {
                count: 3,
                stop: Stop::WouldBlock
            }
        );
        assert_eq!(&lengths[..3], &[3, 0, 6]);
        assert_eq!(&buf[..9], b"onethree!");
        // An empty message followed by others, all sent before the peer's close: every one is read.
        for message in [&b""[..], b"after"] {
            write(a.as_raw_fd(), message).unwrap();
        }
        drop(a);
        let turn = read_messages(b.as_raw_fd(), &mut buf, 16, &mut lengths, true).unwrap();
        assert_eq!(
            turn,
            Turn {
                count: 2,
                stop: Stop::Eof
            }
        );
        assert_eq!(&lengths[..2], &[0, 5]);
        assert_eq!(
            read_messages(b.as_raw_fd(), &mut buf, 16, &mut lengths, true).unwrap(),
            Turn {
                count: 0,
                stop: Stop::Eof
            },
            "the peer's close reads as 0 bytes with POLLRDHUP: the end"
        );
    }

    #[test]
    fn messages_stop_when_the_slots_or_the_room_run_out() {
        let (a, b) = pair(libc::SOCK_DGRAM);
        for _ in 0..7 {
            write(a.as_raw_fd(), b"datagram").unwrap();
        }
        let mut buf = [0u8; 256];
        let mut lengths = [0i32; 2];
        let turn = read_messages(b.as_raw_fd(), &mut buf, 16, &mut lengths, true).unwrap();
        assert_eq!(
            turn,
            Turn {
                count: 2,
                stop: Stop::Budget
            }
        );
        let mut small = [0u8; 40];
        let mut more = [0i32; 8];
        let turn = read_messages(b.as_raw_fd(), &mut small, 16, &mut more, true).unwrap();
        // 4 × 8 bytes, then 8 bytes of room are left: less than a slot.
        assert_eq!(
            turn,
            Turn {
                count: 4,
                stop: Stop::Budget
            }
        );
    }
}
