//! What goes into a ring and what comes out of it: one definition for the ring (`ring.rs`) and for
//! its stand-in where no ring is built (`unbuilt.rs`), so the binding compiles the same either way.

use std::os::fd::RawFd;

/// One operation for the ring. `token` comes back in the operation's completion.
pub enum Op {
    /// Receive what a socket has (up to one provided buffer): one completion.
    Recv { fd: RawFd, token: u32 },
    /// Receive whenever the socket has data, each time into a provided buffer: one completion per
    /// receive, with `more` set while the operation stays armed (it ends on end of file, an error,
    /// no free buffer (`-ENOBUFS`) or a cancellation). Linux 6.0 or later: older ones say `-EINVAL`.
    RecvMulti { fd: RawFd, token: u32 },
    /// Send `len` bytes at `data` (`MSG_NOSIGNAL`): one completion with the bytes taken.
    Send {
        fd: RawFd,
        token: u32,
        data: *const u8,
        len: u32,
    },
    /// Cancel the operation of `token` (it completes with `-ECANCELED` if it had not yet).
    Cancel { token: u32 },
    /// Receive datagrams whenever they arrive, each with its sender, each into a provided buffer
    /// (one completion per datagram, `more` while armed, as [`Op::RecvMulti`]). Linux 6.0 or later.
    RecvMsgMulti { fd: RawFd, token: u32 },
    /// Send `len` bytes at `data` to the raw `struct sockaddr` at `address` (`sendto`); the address
    /// is read when the operation is submitted, the bytes until its completion.
    SendTo {
        fd: RawFd,
        token: u32,
        data: *const u8,
        len: u32,
        address: *const u8,
        address_len: u32,
    },
}

/// One completion: the operation's token, its result (bytes, or `-errno`), whether more
/// completions of the same operation follow, and the received bytes of a receive.
pub struct Completion<'a> {
    pub token: u32,
    /// Bytes (a datagram's payload bytes for [`Op::RecvMsgMulti`]), 0, or `-errno`.
    pub result: i32,
    pub more: bool,
    pub data: Option<&'a [u8]>,
    /// The sender's raw `struct sockaddr` ([`Op::RecvMsgMulti`]).
    pub name: Option<&'a [u8]>,
    /// The datagram was longer than the buffer: the rest is lost ([`Op::RecvMsgMulti`]).
    pub truncated: bool,
}
