//! An io_uring completion ring for one thread: the second I/O engine, under streams of sockets.
//!
//! With epoll, each request costs its own `read` and `write` system calls; with a completion ring,
//! a whole turn's receives and sends are submitted, and their completions collected, in one
//! `io_uring_enter`. Receives pick their memory from a ring of provided buffers owned here
//! ([`buffers`]), so no receive holds memory while it waits; sends point at the caller's bytes.
//!
//! The ring is optional everywhere: [`Ring::new`] says why it cannot be had ([`Unavailable`]: a
//! kernel without io_uring or without provided-buffer rings, a seccomp profile that refuses
//! `io_uring_setup` — Docker's default does —, QEMU's user mode, a CPU this crate does not build the
//! ring for), and the caller keeps using epoll.
//!
//! One thread owns a ring (`SINGLE_ISSUER`): its completions are posted by the kernel as task work
//! of that thread (`COOP_TASKRUN`: without interrupting it), and the ring's fd polls readable while
//! completions wait, so the thread's event loop can watch it like any fd. `DEFER_TASKRUN` is not
//! used: with it, completions are posted only inside `io_uring_enter`, and the ring fd does not
//! poll readable when a receive completes (measured on this kernel), so an event loop that sleeps
//! in `epoll_wait` would never learn of them without an extra eventfd and a read of it per turn.

#[cfg(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64"
))]
mod buffers;
mod op;
#[cfg(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64"
))]
mod recvmsg;
#[cfg(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64"
))]
mod ring;
#[cfg(not(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64"
)))]
#[path = "unbuilt.rs"]
mod ring;

pub use op::{Completion, Op};
pub use ring::Ring;

/// Why a ring cannot be had here: the epoll engine is used instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    /// What failed, in words a user can act on.
    pub reason: String,
    /// The errno of the refused call, when a call was refused.
    pub errno: Option<i32>,
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// How big a ring is made.
#[derive(Debug, Clone, Copy)]
pub struct RingSize {
    /// Submission queue entries (a power of two); more operations per turn are submitted in parts.
    pub entries: u32,
    /// Provided receive buffers (a power of two, at most 32,768).
    pub buffers: u16,
    /// Bytes of one provided buffer: the most one receive completion carries.
    pub buffer_size: u32,
}

impl Default for RingSize {
    fn default() -> Self {
        // 256 buffers of 16 KiB: 4 MiB of address space per thread, touched only as receives use it.
        RingSize {
            entries: 256,
            buffers: 256,
            buffer_size: 16 * 1024,
        }
    }
}

/// The `user_data` of the ring's own requests (cancellations): their completions are not reported.
pub const INTERNAL_TOKEN: u64 = u64::MAX;

#[cfg(all(
    test,
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64"
    )
))]
mod tests;
/// The stand-in of the CPUs without a ring, compiled by the host's tests too, where the real ring
/// is built: `tests.rs` makes every call on both.
#[cfg(all(
    test,
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64"
    )
))]
mod unbuilt;
