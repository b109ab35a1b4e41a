//! The ring itself: made with the best setup the kernel accepts, fed operations, drained of
//! completions. See the module documentation for why it is set up as it is.

use std::os::fd::{AsRawFd, RawFd};

use io_uring::{cqueue, opcode, squeue, types, IoUring, Probe};

use super::buffers::{Buffers, GROUP};
use super::op::{Completion, Op};
use super::{RingSize, Unavailable, INTERNAL_TOKEN};
use crate::error::OsError;

/// `io_uring_enter`'s flag that runs the thread's task work and posts owed completions (uapi value).
const IORING_ENTER_GETEVENTS: u32 = 1;

/// The room for a sender's address in a multishot `recvmsg` buffer: a `struct sockaddr_storage`.
const NAME_ROOM: u32 = 128;
/// `user_data` bits above the token that mark a multishot `recvmsg`, whose buffers hold a header.
const RECVMSG_TAG: u64 = 1 << 32;

/// One thread's ring and its provided buffers.
pub struct Ring {
    // Dropped before `buffers`: the kernel lets go of the buffer ring with the io_uring instance.
    uring: IoUring,
    buffers: Buffers,
    setup: &'static str,
    /// What every multishot `recvmsg` asks for: the sender's address, no control messages. The
    /// kernel reads it when the operation is submitted; a completion's buffer is laid out by it.
    recvmsg: Box<libc::msghdr>,
}

/// The setups tried, best first: each later one drops a flag an older kernel refuses (EINVAL).
/// Applies a setup's flags to a builder.
type Setup = fn(&mut io_uring::Builder);

const SETUPS: [(&str, Setup); 3] = [
    ("SINGLE_ISSUER+COOP_TASKRUN+TASKRUN_FLAG", |b| {
        b.setup_single_issuer()
            .setup_coop_taskrun()
            .setup_taskrun_flag();
    }),
    ("COOP_TASKRUN+TASKRUN_FLAG", |b| {
        b.setup_coop_taskrun().setup_taskrun_flag();
    }),
    ("plain", |_| {}),
];

fn unavailable(reason: impl Into<String>, error: Option<&std::io::Error>) -> Unavailable {
    let errno = error.and_then(std::io::Error::raw_os_error);
    let mut reason = reason.into();
    if let Some(e) = error {
        reason = format!("{reason}: {e}");
    }
    Unavailable { reason, errno }
}

impl Ring {
    /// A ring of `size`, or why there can be none here.
    pub fn new(size: RingSize) -> Result<Ring, Unavailable> {
        let mut last = None;
        let mut made = None;
        for (name, apply) in SETUPS {
            let mut builder = IoUring::builder();
            builder.dontfork().setup_cqsize(size.entries * 16);
            apply(&mut builder);
            match builder.build(size.entries) {
                Ok(uring) => {
                    made = Some((uring, name));
                    break;
                }
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => last = Some(e),
                Err(e) => {
                    let why = match e.raw_os_error() {
                        Some(libc::ENOSYS) => "io_uring_setup does not exist here (an old kernel, or an emulator such as QEMU's user mode)",
                        Some(libc::EPERM) => "io_uring_setup was refused (kernel.io_uring_disabled, or a seccomp profile such as Docker's default)",
                        _ => "io_uring_setup failed",
                    };
                    return Err(unavailable(why, Some(&e)));
                }
            }
        }
        let Some((uring, setup)) = made else {
            return Err(unavailable(
                "io_uring_setup refused every setup",
                last.as_ref(),
            ));
        };
        let mut probe = Probe::new();
        if let Err(e) = uring.submitter().register_probe(&mut probe) {
            return Err(unavailable(
                "the kernel cannot say which io_uring operations it has",
                Some(&e),
            ));
        }
        for (code, name) in [
            (opcode::Recv::CODE, "RECV"),
            (opcode::Send::CODE, "SEND"),
            (opcode::AsyncCancel::CODE, "ASYNC_CANCEL"),
            (opcode::RecvMsg::CODE, "RECVMSG"),
        ] {
            if !probe.is_supported(code) {
                return Err(unavailable(
                    format!("the kernel's io_uring lacks {name}"),
                    None,
                ));
            }
        }
        let buffers = Buffers::new(size.buffers, size.buffer_size)
            .map_err(|e| unavailable(format!("no memory for receive buffers ({e})"), None))?;
        // SAFETY: the entries stay mapped, at this address, as long as the ring (they drop after it).
        let registered = unsafe {
            uring.submitter().register_buf_ring_with_flags(
                buffers.ring_address(),
                buffers.count(),
                GROUP,
                0,
            )
        };
        if let Err(e) = registered {
            return Err(unavailable(
                "provided buffer rings need Linux 5.19 or later",
                Some(&e),
            ));
        }
        // SAFETY: an all-zero msghdr is valid (null pointers, zero lengths).
        let mut recvmsg: Box<libc::msghdr> = Box::new(unsafe { std::mem::zeroed() });
        recvmsg.msg_namelen = NAME_ROOM;
        Ok(Ring {
            uring,
            buffers,
            setup,
            recvmsg,
        })
    }

    /// The ring's fd: it polls readable while completions wait.
    pub fn fd(&self) -> RawFd {
        self.uring.as_raw_fd()
    }

    /// The setup flags the kernel accepted.
    pub fn setup(&self) -> &'static str {
        self.setup
    }

    /// Queues `op`; submits what is queued first when the submission queue is full.
    ///
    /// # Safety
    /// For [`Op::Send`], `data` must stay valid for `len` bytes until the operation's completion
    /// has been reaped.
    pub unsafe fn push(&mut self, op: Op) -> Result<(), OsError> {
        let entry = match op {
            Op::Recv { fd, token } => {
                opcode::Recv::new(types::Fd(fd), std::ptr::null_mut(), self.buffers.size())
                    .buf_group(GROUP)
                    .build()
                    .flags(squeue::Flags::BUFFER_SELECT)
                    .user_data(u64::from(token))
            }
            Op::RecvMulti { fd, token } => opcode::RecvMulti::new(types::Fd(fd), GROUP)
                .build()
                .user_data(u64::from(token)),
            Op::RecvMsgMulti { fd, token } => {
                opcode::RecvMsgMulti::new(types::Fd(fd), &*self.recvmsg, GROUP)
                    .build()
                    .user_data(u64::from(token) | RECVMSG_TAG)
            }
            Op::SendTo {
                fd,
                token,
                data,
                len,
                address,
                address_len,
            } => opcode::Send::new(types::Fd(fd), data, len)
                .flags(libc::MSG_NOSIGNAL)
                .dest_addr(address.cast())
                .dest_addr_len(address_len)
                .build()
                .user_data(u64::from(token)),
            Op::Send {
                fd,
                token,
                data,
                len,
            } => opcode::Send::new(types::Fd(fd), data, len)
                .flags(libc::MSG_NOSIGNAL)
                .build()
                .user_data(u64::from(token)),
            Op::Cancel { token } => opcode::AsyncCancel::new(u64::from(token))
                .build()
                .user_data(INTERNAL_TOKEN),
        };
        loop {
            // SAFETY: a receive's memory is the provided buffers, owned by this ring; a send's is
            // the caller's, valid until its completion (this function's contract).
            if unsafe { self.uring.submission().push(&entry) }.is_ok() {
                return Ok(());
            }
            self.submit()?;
        }
    }

    /// Submits what is queued and lets the kernel post the completions it owes this thread, in one
    /// `io_uring_enter` (none when nothing is queued and no task work is flagged). Returns how many
    /// operations were submitted.
    pub fn submit(&mut self) -> Result<usize, OsError> {
        let (queued, taskrun) = {
            let sq = self.uring.submission();
            (sq.len(), sq.taskrun())
        };
        if queued == 0 && !taskrun {
            return Ok(0);
        }
        loop {
            // SAFETY: no signal mask is passed; every queued entry's memory is valid (see `push`).
            let entered = unsafe {
                self.uring.submitter().enter::<libc::sigset_t>(
                    queued as u32,
                    0,
                    IORING_ENTER_GETEVENTS,
                    None,
                )
            };
            match entered {
                Ok(n) => return Ok(n),
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                // The completion queue is full: what was submitted stays queued for the next turn.
                Err(e) if matches!(e.raw_os_error(), Some(libc::EBUSY | libc::EAGAIN)) => {
                    return Ok(0)
                }
                Err(e) => {
                    return Err(OsError::new(
                        e.raw_os_error().unwrap_or(libc::EIO),
                        "io_uring_enter",
                    ))
                }
            }
        }
    }

    /// Hands `each` up to `max` completions, stopping early while a receive could need more than
    /// `room` bytes (the room left in the caller's memory: a received buffer's bytes are copied
    /// out by `each`). A receive's buffer goes back to the kernel after `each` returns. Returns how
    /// many completions were handed over and whether more are waiting.
    pub fn reap(
        &mut self,
        max: usize,
        mut room: usize,
        mut each: impl FnMut(Completion<'_>),
    ) -> (usize, bool) {
        let size = self.buffers.size() as usize;
        let mut count = 0;
        let mut given_back = false;
        let mut cq = self.uring.completion();
        while count < max && room >= size {
            let Some(cqe) = cq.next() else { break };
            let flags = cqe.flags();
            let buffer = cqueue::buffer_select(flags);
            if cqe.user_data() != INTERNAL_TOKEN {
                let mut completion = Completion {
                    token: cqe.user_data() as u32,
                    result: cqe.result(),
                    more: cqueue::more(flags),
                    data: None,
                    name: None,
                    truncated: false,
                };
                if let Some(bid) = buffer.filter(|_| completion.result > 0) {
                    let filled = self.buffers.filled(bid, completion.result as usize);
                    if cqe.user_data() & RECVMSG_TAG == 0 {
                        completion.data = Some(filled);
                    } else if let Some(datagram) = super::recvmsg::parse(filled, NAME_ROOM as usize)
                    {
                        completion.name = Some(datagram.name);
                        completion.data = Some(datagram.payload);
                        completion.truncated = datagram.truncated;
                        completion.result = datagram.payload.len() as i32;
                    } else {
                        // The kernel always writes the header it was asked for; a buffer too
                        // short for it is a broken kernel, reported as a failed receive.
                        completion.result = -libc::EIO;
                    }
                }
                room -=
                    completion.data.map_or(0, <[u8]>::len) + completion.name.map_or(0, <[u8]>::len);
                each(completion);
                count += 1;
            }
            if let Some(bid) = buffer {
                self.buffers.give_back(bid);
                given_back = true;
            }
        }
        let waiting = !cq.is_empty();
        drop(cq);
        if given_back {
            self.buffers.publish();
        }
        (count, waiting)
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // Cancel everything still in flight and wait for it, so that no receive is left that could
        // pick a buffer once the buffers are unmapped.
        let cancel = opcode::AsyncCancel2::new(types::CancelBuilder::any().all())
            .build()
            .user_data(INTERNAL_TOKEN);
        // SAFETY: the cancellation refers to no memory.
        if unsafe { self.uring.submission().push(&cancel) }.is_ok() {
            let _ = self.uring.submit_and_wait(1);
        }
    }
}
