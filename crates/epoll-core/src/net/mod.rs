//! Sockets of every family and type: the one socket module (creation, bind, connect, listen,
//! accept, the stream and UDP helpers), the one address type, single datagrams, batches of
//! messages, socket options, and the kernel's socket constants.

mod accept_many;
mod address;
mod constants;
mod datagram;
mod messages;
mod options;
mod socket;

pub use accept_many::accept_many;
pub use address::{local_address, remote_address, SockAddr, SOCKADDR_STORAGE_SIZE};
pub use constants::SOCKET_CONSTANTS;
pub use datagram::{recv_from, send_to, Received};
pub use messages::{MessageScratch, Slots, ADDRESS_SLOT_SIZE, MAX_MESSAGES, META_STRIDE};
pub use options::{
    get_int, get_option, interface_index, membership, set_int, set_no_delay, set_option,
    socket_error, Membership,
};
pub use socket::{
    accept, accept_from, bind, connect, connect_stream, listen, listen_stream, listen_udp,
    shutdown, socket, socketpair, Shutdown, DEFAULT_BACKLOG,
};
