//! Server I/O on raw fds: sockets, reads and writes into caller memory, pipes, eventfd, timerfd.
//!
//! Every fd created here is non-blocking and close-on-exec, and is returned as an [`OwnedFd`]
//! (`std::os::fd::OwnedFd`); the binding hands its number to JavaScript, which owns it from then on.
//! Would-block is `Ok(None)`, never an error: it is the normal outcome of a non-blocking call.
//! EINTR is retried everywhere, so a signal never surfaces as an error.

mod batch;
mod eventfd;
mod fdio;
mod net;
mod sockaddr;
mod timerfd;

mod fdpass;
mod inotify;
mod ioctl;
mod pidfd;
mod systemd;

pub use batch::{read_slots, write_many, write_slots, NOT_READ};
pub use eventfd::eventfd;
pub use fdio::{close, pipe, read, readv, write, writev, IOV_MAX};
pub use net::{
    accept, connect_tcp, connect_unix, listen_tcp, listen_unix, local_address, remote_address,
    set_no_delay, shutdown, socket_error, socketpair, Shutdown, DEFAULT_BACKLOG,
};
pub use sockaddr::SocketAddress;
pub use timerfd::{set_timer, timerfd, MAX_TIMER_MS};

pub use fdpass::{peer_credentials, recv_fds, send_fds, Credentials, ReceivedFds, SCM_MAX_FD};
pub use inotify::{add_watch, inotify, read_events, remove_watch, InotifyEvent, INOTIFY_FLAGS};
pub use ioctl::{ioctl_buffer, ioctl_value, IocLayout, IOC, IOCTL_BOUNCE_MIN};
pub use pidfd::{pidfd_open, pidfd_send_signal};
pub use systemd::{listen_fds, notify, LISTEN_FDS_START, UNKNOWN_NAME};

use crate::error::OsError;

/// An `io::Error` from `mio` or `std` as the core's error, keeping its errno.
pub(crate) fn from_io(e: std::io::Error, syscall: &'static str) -> OsError {
    OsError::new(e.raw_os_error().unwrap_or(libc::EIO), syscall)
}

/// Runs a libc call until it is not interrupted by a signal. `Ok(None)` when it would block.
pub(crate) fn retry<T>(mut call: impl FnMut() -> Result<T, OsError>) -> Result<Option<T>, OsError> {
    loop {
        match call() {
            Ok(value) => return Ok(Some(value)),
            Err(e) if e.errno == libc::EINTR => continue,
            Err(e) if e.errno == libc::EAGAIN || e.errno == libc::EWOULDBLOCK => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

// Sockets of every family and type (issue 13): datagrams, batches, options, raw addresses.
mod address;
mod constants;
mod datagram;
mod mmsg;
mod socket;
mod sockopt;

pub use address::{decode as decode_address, AnyAddress, SockAddr, SOCKADDR_STORAGE_SIZE};
pub use constants::SOCKET_CONSTANTS;
pub use datagram::{recv_from, recv_from_raw, send_to, Datagram, RawDatagram};
pub use mmsg::{MessageScratch, Slots, ADDRESS_SLOT, MAX_MESSAGES, META_STRIDE};
pub use socket::{bind, connect, listen, listen_udp, socket, socketpair_of};
pub use sockopt::{
    get_int, get_option, interface_index, membership, set_int, set_option, Membership,
};

/// The address `fd` is bound to, of any family (`getsockname`).
pub fn local_address_any(fd: std::os::fd::RawFd) -> Result<AnyAddress, OsError> {
    address::query_any(fd, false)
}

/// The address of `fd`'s peer, of any family (`getpeername`); ENOTCONN when not connected.
pub fn remote_address_any(fd: std::os::fd::RawFd) -> Result<AnyAddress, OsError> {
    address::query_any(fd, true)
}
