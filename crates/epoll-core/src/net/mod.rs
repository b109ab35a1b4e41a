//! Sockets of every family and type: stream listeners and connects, datagrams, batches of messages,
//! options, addresses and the kernel's socket constants.

mod address;
mod constants;
mod datagram;
mod messages;
mod options;
pub(crate) mod sockaddr;
mod socket;
mod stream;

pub use address::{decode as decode_address, AnyAddress, SockAddr, SOCKADDR_STORAGE_SIZE};
pub use constants::SOCKET_CONSTANTS;
pub use datagram::{recv_from, recv_from_raw, send_to, Datagram, RawDatagram};
pub use messages::{MessageScratch, Slots, ADDRESS_SLOT, MAX_MESSAGES, META_STRIDE};
pub use options::{
    get_int, get_option, interface_index, membership, set_int, set_option, Membership,
};
pub use sockaddr::SocketAddress;
pub use socket::{bind, connect, listen, listen_udp, socket, socketpair_of};
pub use stream::{
    accept, connect_tcp, connect_unix, listen_tcp, listen_unix, local_address, remote_address,
    set_no_delay, shutdown, socket_error, socketpair, Shutdown, DEFAULT_BACKLOG,
};

use crate::error::OsError;

/// The address `fd` is bound to, of any family (`getsockname`).
pub fn local_address_any(fd: std::os::fd::RawFd) -> Result<AnyAddress, OsError> {
    address::query_any(fd, false)
}

/// The address of `fd`'s peer, of any family (`getpeername`); ENOTCONN when not connected.
pub fn remote_address_any(fd: std::os::fd::RawFd) -> Result<AnyAddress, OsError> {
    address::query_any(fd, true)
}
