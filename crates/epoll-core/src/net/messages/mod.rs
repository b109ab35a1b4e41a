//! Many datagrams per system call: `recvmmsg` and `sendmmsg` over a caller-owned slab.
//!
//! The caller's memory is laid out for servers that move thousands of datagrams per second (DNS,
//! QUIC, metrics collectors) and want no allocation per datagram:
//! - `data`: a slab of fixed-size slots, slot `i` at `i * slot` (a datagram larger than its slot is
//!   truncated, flagged with `MSG_TRUNC`);
//! - `meta`: [`META_STRIDE`] ints per slot: the datagram's length, its `msg_flags`, and the length
//!   of its address (0: none);
//! - `addresses` (optional): one `sockaddr_storage`-sized slot of [`ADDRESS_SLOT`] bytes per slot,
//!   written on receive (the senders) and read on send (the destinations). Without it nothing is
//!   written on receive, and sends go to the connected peer.
//!
//! The `mmsghdr`/`iovec` arrays the kernel needs live in a [`MessageScratch`] the caller keeps, so a
//! call allocates nothing once the scratch has grown to the batch size.

use std::os::fd::RawFd;

use super::address::SOCKADDR_STORAGE_SIZE;
use crate::error::OsError;
use crate::sys::cvt;
use crate::sys::retry;

/// At most this many messages per call (the kernel's `UIO_MAXIOV`, which caps `vlen` too).
pub const MAX_MESSAGES: usize = 1024;
/// Ints of `meta` per slot: `[length, flags, address length]`.
pub const META_STRIDE: usize = 3;
/// Bytes per address slot: a whole `sockaddr_storage`, so any family fits.
pub const ADDRESS_SLOT: usize = SOCKADDR_STORAGE_SIZE;

/// The header arrays of the system calls, reused from call to call.
#[derive(Default)]
pub struct MessageScratch {
    headers: Vec<libc::mmsghdr>,
    iovecs: Vec<libc::iovec>,
}

/// Where the messages of one call are: slots `start .. start + count` of the caller's memory.
pub struct Slots {
    pub slot: usize,
    pub start: usize,
    pub count: usize,
}

fn invalid(syscall: &'static str, why: String) -> OsError {
    OsError::new(libc::EINVAL, syscall).with_detail(why)
}

/// Every slot the call touches lies inside the memory it was given.
fn check(
    syscall: &'static str,
    slots: &Slots,
    data: usize,
    meta: usize,
    addresses: Option<usize>,
) -> Result<(), OsError> {
    let end = slots
        .start
        .checked_add(slots.count)
        .ok_or_else(|| invalid(syscall, "slot range overflows".into()))?;
    if slots.count == 0 || slots.count > MAX_MESSAGES {
        return Err(invalid(
            syscall,
            format!("{} messages (1 to {MAX_MESSAGES})", slots.count),
        ));
    }
    if slots.slot == 0 || end.checked_mul(slots.slot).is_none_or(|bytes| bytes > data) {
        return Err(invalid(
            syscall,
            format!(
                "slots up to {end} of {} bytes do not fit {data} bytes",
                slots.slot
            ),
        ));
    }
    if end.checked_mul(META_STRIDE).is_none_or(|ints| ints > meta) {
        return Err(invalid(
            syscall,
            format!(
                "slots up to {end} need {} meta ints, got {meta}",
                end * META_STRIDE
            ),
        ));
    }
    if let Some(size) = addresses {
        if end
            .checked_mul(ADDRESS_SLOT)
            .is_none_or(|bytes| bytes > size)
        {
            return Err(invalid(
                syscall,
                format!(
                    "slots up to {end} need {} address bytes, got {size}",
                    end * ADDRESS_SLOT
                ),
            ));
        }
    }
    Ok(())
}

impl MessageScratch {
    fn prepare(&mut self, count: usize) {
        // SAFETY (of the zeroed values): mmsghdr and iovec are plain old data; all-zero is valid.
        self.headers
            .resize_with(count, || unsafe { std::mem::zeroed() });
        self.iovecs
            .resize_with(count, || unsafe { std::mem::zeroed() });
    }

    /// `recvmmsg(2)` into slots `start .. start + count`: the number of datagrams received (each
    /// slot's `meta` filled in), `None` when nothing is queued.
    pub fn receive(
        &mut self,
        fd: RawFd,
        data: &mut [u8],
        meta: &mut [i32],
        mut addresses: Option<&mut [u8]>,
        slots: &Slots,
    ) -> Result<Option<usize>, OsError> {
        check(
            "recvmmsg",
            slots,
            data.len(),
            meta.len(),
            addresses.as_ref().map(|a| a.len()),
        )?;
        self.prepare(slots.count);
        for i in 0..slots.count {
            let index = slots.start + i;
            self.iovecs[i] = libc::iovec {
                // SAFETY: `check` proved slot `index` lies inside `data`.
                iov_base: unsafe { data.as_mut_ptr().add(index * slots.slot) }.cast(),
                iov_len: slots.slot,
            };
            let header = &mut self.headers[i].msg_hdr;
            header.msg_iov = &mut self.iovecs[i];
            header.msg_iovlen = 1;
            header.msg_control = std::ptr::null_mut();
            header.msg_controllen = 0;
            header.msg_flags = 0;
            match addresses.as_deref_mut() {
                Some(names) => {
                    // SAFETY: `check` proved address slot `index` lies inside `names`.
                    header.msg_name =
                        unsafe { names.as_mut_ptr().add(index * ADDRESS_SLOT) }.cast();
                    header.msg_namelen = ADDRESS_SLOT as libc::socklen_t;
                }
                None => {
                    header.msg_name = std::ptr::null_mut();
                    header.msg_namelen = 0;
                }
            }
        }
        let received = retry(|| {
            // SAFETY: `headers` holds `count` initialised mmsghdrs whose buffers point into the
            // caller's memory, alive and not otherwise used across the call.
            cvt(
                unsafe {
                    libc::recvmmsg(
                        fd,
                        self.headers.as_mut_ptr(),
                        slots.count as libc::c_uint,
                        0,
                        std::ptr::null_mut(),
                    )
                },
                "recvmmsg",
            )
        })
        .map_err(|e| e.with_detail(format!("fd {fd}")))?;
        Ok(received.map(|n| {
            let n = n as usize;
            for (i, header) in self.headers[..n].iter().enumerate() {
                let at = (slots.start + i) * META_STRIDE;
                meta[at] = header.msg_len as i32;
                meta[at + 1] = header.msg_hdr.msg_flags;
                meta[at + 2] = if addresses.is_some() {
                    header.msg_hdr.msg_namelen as i32
                } else {
                    0
                };
            }
            n
        }))
    }

    /// `sendmmsg(2)` of slots `start .. start + count`, slot `i` holding `meta[i * 3]` bytes, sent
    /// to its address slot when `addresses` is given and its address length is not 0 (else to the
    /// connected peer). The number of datagrams sent (possibly fewer: send the rest later), `None`
    /// when the send buffer is full.
    pub fn send(
        &mut self,
        fd: RawFd,
        data: &[u8],
        meta: &[i32],
        addresses: Option<&[u8]>,
        slots: &Slots,
    ) -> Result<Option<usize>, OsError> {
        check(
            "sendmmsg",
            slots,
            data.len(),
            meta.len(),
            addresses.map(<[u8]>::len),
        )?;
        self.prepare(slots.count);
        for i in 0..slots.count {
            let index = slots.start + i;
            let at = index * META_STRIDE;
            let (length, name_length) = (meta[at], meta[at + 2]);
            if length < 0 || length as usize > slots.slot {
                return Err(invalid(
                    "sendmmsg",
                    format!("slot {index} holds {length} bytes (0 to {})", slots.slot),
                ));
            }
            if name_length < 0 || name_length as usize > ADDRESS_SLOT {
                return Err(invalid(
                    "sendmmsg",
                    format!("slot {index} has an address of {name_length} bytes"),
                ));
            }
            self.iovecs[i] = libc::iovec {
                // SAFETY: `check` proved slot `index` lies inside `data`; the kernel only reads it.
                iov_base: unsafe { data.as_ptr().add(index * slots.slot) }
                    .cast_mut()
                    .cast(),
                iov_len: length as usize,
            };
            let header = &mut self.headers[i].msg_hdr;
            header.msg_iov = &mut self.iovecs[i];
            header.msg_iovlen = 1;
            header.msg_control = std::ptr::null_mut();
            header.msg_controllen = 0;
            header.msg_flags = 0;
            match addresses {
                Some(names) if name_length > 0 => {
                    // SAFETY: `check` proved address slot `index` lies inside `names`.
                    header.msg_name = unsafe { names.as_ptr().add(index * ADDRESS_SLOT) }
                        .cast_mut()
                        .cast();
                    header.msg_namelen = name_length as libc::socklen_t;
                }
                _ => {
                    header.msg_name = std::ptr::null_mut();
                    header.msg_namelen = 0;
                }
            }
        }
        retry(|| {
            // SAFETY: `headers` holds `count` initialised mmsghdrs pointing into the caller's
            // memory, which the kernel only reads, alive across the call.
            cvt(
                unsafe {
                    libc::sendmmsg(
                        fd,
                        self.headers.as_mut_ptr(),
                        slots.count as libc::c_uint,
                        // int in glibc, unsigned int in musl.
                        libc::MSG_NOSIGNAL as _,
                    )
                },
                "sendmmsg",
            )
        })
        .map(|sent| sent.map(|n| n as usize))
        .map_err(|e| e.with_detail(format!("fd {fd}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::address::{AnyAddress, SockAddr};
    use crate::net::sockaddr::SocketAddress;
    use crate::net::{listen_udp, local_address_any, send_to};
    use std::os::fd::AsRawFd;

    #[test]
    fn sixty_four_queued_datagrams_arrive_in_one_call_with_their_senders() {
        let rx = listen_udp("127.0.0.1:0".parse().unwrap(), false, None).unwrap();
        let tx = listen_udp("127.0.0.1:0".parse().unwrap(), false, None).unwrap();
        let AnyAddress::Known(SocketAddress::Inet(to)) = local_address_any(rx.as_raw_fd()).unwrap()
        else {
            panic!()
        };
        let to = SockAddr::inet(to);
        for i in 0..64u8 {
            send_to(tx.as_raw_fd(), &vec![i; usize::from(i)], Some(&to)).unwrap();
        }
        let slot = 64;
        let (mut data, mut meta, mut names) = (
            vec![0u8; 64 * slot],
            vec![0i32; 64 * 3],
            vec![0u8; 64 * ADDRESS_SLOT],
        );
        let mut scratch = MessageScratch::default();
        let slots = Slots {
            slot,
            start: 0,
            count: 64,
        };
        let n = scratch
            .receive(
                rx.as_raw_fd(),
                &mut data,
                &mut meta,
                Some(&mut names),
                &slots,
            )
            .unwrap();
        assert_eq!(n, Some(64));
        let sender = local_address_any(tx.as_raw_fd()).unwrap();
        for i in 0..64 {
            assert_eq!(meta[i * 3] as usize, i, "datagram {i}'s length");
            assert_eq!(meta[i * 3 + 1], 0, "not truncated");
            assert!(data[i * slot..i * slot + i]
                .iter()
                .all(|b| usize::from(*b) == i));
            let name = &names[i * ADDRESS_SLOT..i * ADDRESS_SLOT + meta[i * 3 + 2] as usize];
            assert_eq!(crate::net::address::decode(name), sender);
        }
        assert_eq!(
            scratch
                .receive(rx.as_raw_fd(), &mut data, &mut meta, None, &slots)
                .unwrap(),
            None
        );
    }

    #[test]
    fn a_batch_echoes_back_to_every_sender_from_the_same_memory() {
        let server = listen_udp("127.0.0.1:0".parse().unwrap(), false, None).unwrap();
        let AnyAddress::Known(SocketAddress::Inet(to)) =
            local_address_any(server.as_raw_fd()).unwrap()
        else {
            panic!()
        };
        let clients: Vec<_> = (0..4)
            .map(|_| listen_udp("127.0.0.1:0".parse().unwrap(), false, None).unwrap())
            .collect();
        for (i, c) in clients.iter().enumerate() {
            send_to(
                c.as_raw_fd(),
                format!("client {i}").as_bytes(),
                Some(&SockAddr::inet(to)),
            )
            .unwrap();
        }
        let slot = 32;
        let (mut data, mut meta, mut names) = (
            vec![0u8; 8 * slot],
            vec![0i32; 8 * 3],
            vec![0u8; 8 * ADDRESS_SLOT],
        );
        let mut scratch = MessageScratch::default();
        let n = scratch
            .receive(
                server.as_raw_fd(),
                &mut data,
                &mut meta,
                Some(&mut names),
                &Slots {
                    slot,
                    start: 0,
                    count: 8,
                },
            )
            .unwrap()
            .unwrap();
        assert_eq!(n, 4);
        let sent = scratch
            .send(
                server.as_raw_fd(),
                &data,
                &meta,
                Some(&names),
                &Slots {
                    slot,
                    start: 0,
                    count: n,
                },
            )
            .unwrap();
        assert_eq!(sent, Some(4));
        for (i, c) in clients.iter().enumerate() {
            let mut buf = [0u8; 32];
            let got = crate::net::recv_from(c.as_raw_fd(), &mut buf)
                .unwrap()
                .expect("echoed");
            assert_eq!(&buf[..got.bytes], format!("client {i}").as_bytes());
        }
    }

    #[test]
    fn a_datagram_larger_than_its_slot_is_flagged_truncated() {
        let rx = listen_udp("127.0.0.1:0".parse().unwrap(), false, None).unwrap();
        let AnyAddress::Known(SocketAddress::Inet(to)) = local_address_any(rx.as_raw_fd()).unwrap()
        else {
            panic!()
        };
        send_to(rx.as_raw_fd(), b"0123456789", Some(&SockAddr::inet(to))).unwrap();
        send_to(rx.as_raw_fd(), b"", Some(&SockAddr::inet(to))).unwrap();
        let (mut data, mut meta) = (vec![0u8; 2 * 4], vec![0i32; 6]);
        let n = MessageScratch::default()
            .receive(
                rx.as_raw_fd(),
                &mut data,
                &mut meta,
                None,
                &Slots {
                    slot: 4,
                    start: 0,
                    count: 2,
                },
            )
            .unwrap();
        assert_eq!(n, Some(2));
        assert_eq!(&data[..4], b"0123");
        assert_eq!(
            (meta[0], meta[1] & libc::MSG_TRUNC != 0, meta[2]),
            (4, true, 0)
        );
        assert_eq!(
            (meta[3], meta[4]),
            (0, 0),
            "the 0-byte datagram is a message"
        );
    }

    #[test]
    fn slots_outside_the_memory_are_einval_before_any_system_call() {
        let fd = listen_udp("127.0.0.1:0".parse().unwrap(), false, None).unwrap();
        let (mut data, mut meta) = (vec![0u8; 16], vec![0i32; 6]);
        let mut scratch = MessageScratch::default();
        for slots in [
            Slots {
                slot: 8,
                start: 1,
                count: 2,
            },
            Slots {
                slot: 0,
                start: 0,
                count: 1,
            },
            Slots {
                slot: 8,
                start: 0,
                count: 0,
            },
            Slots {
                slot: 1,
                start: 0,
                count: MAX_MESSAGES + 1,
            },
        ] {
            let err = scratch
                .receive(fd.as_raw_fd(), &mut data, &mut meta, None, &slots)
                .unwrap_err();
            assert_eq!((err.code().as_str(), err.syscall), ("EINVAL", "recvmmsg"));
        }
        meta[0] = 9; // more than the 8-byte slot holds
        let err = scratch
            .send(
                fd.as_raw_fd(),
                &data,
                &meta,
                None,
                &Slots {
                    slot: 8,
                    start: 0,
                    count: 1,
                },
            )
            .unwrap_err();
        assert_eq!((err.code().as_str(), err.syscall), ("EINVAL", "sendmmsg"));
    }
}
