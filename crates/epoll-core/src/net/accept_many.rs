//! Many accepts in one call: [`accept_many`] takes every connection a listening socket has queued,
//! up to the caller's room, so that a server crossing from JavaScript pays one crossing per burst of
//! connections instead of one per connection.

use std::os::fd::{IntoRawFd, RawFd};

use super::address::SOCKADDR_STORAGE_SIZE;
use super::socket::accept4;
use crate::error::OsError;

/// The room for one peer's address in `names`: a `struct sockaddr_storage`, which holds any family.
pub const ACCEPT_NAME_SLOT: usize = SOCKADDR_STORAGE_SIZE;

/// Accepts the connections pending on listening socket `fd` (non-blocking and close-on-exec, each
/// with the peer's address from its own `accept4`) until it would block or the room is full: at
/// most `fds.len()`, `lengths.len()` and `names.len() / 128` of them. Connection `i` is `fds[i]`,
/// whose ownership passes to the caller, its peer's raw `struct sockaddr` is
/// `names[i * 128..][..lengths[i]]`. `Ok(None)` when none was pending.
///
/// A failure before anything was accepted is the error. A failure after some were accepted would
/// lose them if it were returned at once, so they are returned and the failure is kept in
/// `deferred` (its errno; 0 is none): the next call returns it before accepting anything, and clears
/// it. A connection reset while it waited in the queue (ECONNABORTED) is skipped, as accept(2)
/// advises.
pub fn accept_many(
    fd: RawFd,
    fds: &mut [RawFd],
    names: &mut [u8],
    lengths: &mut [i32],
    deferred: &mut i32,
) -> Result<Option<usize>, OsError> {
    if *deferred != 0 {
        return Err(OsError::new(std::mem::take(deferred), "accept"));
    }
    let room = fds
        .len()
        .min(lengths.len())
        .min(names.len() / ACCEPT_NAME_SLOT);
    if room == 0 {
        return Ok(Some(0));
    }
    let mut count = 0;
    while count < room {
        let name = &mut names[count * ACCEPT_NAME_SLOT..(count + 1) * ACCEPT_NAME_SLOT];
        match accept4(fd, name) {
            Ok(Some((conn, length))) => {
                fds[count] = conn.into_raw_fd();
                lengths[count] = length as i32;
                count += 1;
            }
            Ok(None) => break,
            Err(e) if count == 0 => return Err(e),
            Err(e) => {
                *deferred = e.errno;
                break;
            }
        }
    }
    Ok((count > 0).then_some(count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{listen_stream, local_address, SockAddr};
    use std::net::TcpStream;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    fn listener() -> (OwnedFd, std::net::SocketAddr) {
        let fd = listen_stream(&SockAddr::inet("127.0.0.1:0".parse().unwrap()), 64, false).unwrap();
        let port = u16::from_be_bytes(
            local_address(fd.as_raw_fd()).unwrap().as_bytes()[2..4]
                .try_into()
                .unwrap(),
        );
        (fd, format!("127.0.0.1:{port}").parse().unwrap())
    }

    /// The port of a raw IPv4 `struct sockaddr_in` (network byte order at bytes 2..4).
    fn port_of(name: &[u8]) -> u16 {
        u16::from_be_bytes([name[2], name[3]])
    }

    #[test]
    fn nothing_pending_is_none_and_touches_nothing() {
        let (fd, _) = listener();
        let (mut fds, mut names, mut lengths, mut deferred) = ([-7; 4], [0u8; 4 * 128], [-7; 4], 0);
        let got = accept_many(
            fd.as_raw_fd(),
            &mut fds,
            &mut names,
            &mut lengths,
            &mut deferred,
        );
        assert_eq!(got, Ok(None));
        assert_eq!((fds, lengths, deferred), ([-7; 4], [-7; 4], 0));
    }

    #[test]
    fn a_queue_of_ten_comes_out_in_batches_of_the_room_in_order_of_connection() {
        let (fd, at) = listener();
        // A blocking connect returns once the handshake is done: the connection is queued.
        let clients: Vec<TcpStream> = (0..10).map(|_| TcpStream::connect(at).unwrap()).collect();
        let (mut fds, mut names, mut lengths, mut deferred) = ([-1; 4], [0u8; 4 * 128], [0; 4], 0);
        let mut ports = Vec::new();
        let mut batches = Vec::new();
        while let Some(n) = accept_many(
            fd.as_raw_fd(),
            &mut fds,
            &mut names,
            &mut lengths,
            &mut deferred,
        )
        .unwrap()
        {
            batches.push(n);
            for i in 0..n {
                // SAFETY: accept_many handed this fd's ownership to us.
                let conn = unsafe { OwnedFd::from_raw_fd(fds[i]) };
                // SAFETY: fcntl with F_GETFL/F_GETFD takes no pointers.
                let (fl, fdf) = unsafe {
                    (
                        libc::fcntl(conn.as_raw_fd(), libc::F_GETFL),
                        libc::fcntl(conn.as_raw_fd(), libc::F_GETFD),
                    )
                };
                assert_ne!(fl & libc::O_NONBLOCK, 0);
                assert_ne!(fdf & libc::FD_CLOEXEC, 0);
                assert_eq!(
                    lengths[i] as usize,
                    std::mem::size_of::<libc::sockaddr_in>()
                );
                ports.push(port_of(&names[i * 128..]));
            }
        }
        assert_eq!(batches, [4, 4, 2]);
        let expected: Vec<u16> = clients
            .iter()
            .map(|c| c.local_addr().unwrap().port())
            .collect();
        assert_eq!(
            ports, expected,
            "every peer's own address, in order of connection"
        );
    }

    #[test]
    fn the_room_is_the_smallest_of_the_three_buffers() {
        let (fd, at) = listener();
        let _clients: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(at).unwrap()).collect();
        let (mut fds, mut names, mut lengths, mut deferred) =
            ([-1; 8], [0u8; 2 * 128 + 127], [0; 8], 0);
        let got = accept_many(
            fd.as_raw_fd(),
            &mut fds,
            &mut names,
            &mut lengths,
            &mut deferred,
        );
        assert_eq!(got, Ok(Some(2)), "room for two whole names");
        let got = accept_many(
            fd.as_raw_fd(),
            &mut fds,
            &mut [],
            &mut lengths,
            &mut deferred,
        );
        assert_eq!(got, Ok(Some(0)), "no room accepts nothing");
        for raw in &fds[..2] {
            // SAFETY: accept_many handed these fds' ownership to us.
            drop(unsafe { OwnedFd::from_raw_fd(*raw) });
        }
    }

    #[test]
    fn a_deferred_failure_comes_first_and_once_and_loses_no_connection() {
        let (fd, at) = listener();
        let _client = TcpStream::connect(at).unwrap();
        let (mut fds, mut names, mut lengths, mut deferred) =
            ([-1; 4], [0u8; 4 * 128], [0; 4], libc::EMFILE);
        let err = accept_many(
            fd.as_raw_fd(),
            &mut fds,
            &mut names,
            &mut lengths,
            &mut deferred,
        )
        .unwrap_err();
        assert_eq!(
            (err.errno, err.syscall, deferred),
            (libc::EMFILE, "accept", 0)
        );
        let got = accept_many(
            fd.as_raw_fd(),
            &mut fds,
            &mut names,
            &mut lengths,
            &mut deferred,
        );
        assert_eq!(got, Ok(Some(1)), "the queued connection is still there");
        // SAFETY: accept_many handed this fd's ownership to us.
        drop(unsafe { OwnedFd::from_raw_fd(fds[0]) });
    }

    #[test]
    fn a_failure_before_any_accept_is_the_error() {
        let (mut fds, mut names, mut lengths, mut deferred) = ([-1; 4], [0u8; 4 * 128], [0; 4], 0);
        let err = accept_many(-1, &mut fds, &mut names, &mut lengths, &mut deferred).unwrap_err();
        assert_eq!((err.errno, deferred), (libc::EBADF, 0));
    }
}
