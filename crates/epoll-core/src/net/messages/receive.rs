//! `recvmmsg(2)` into the caller's slots: many datagrams, with their senders, in one call.

use std::os::fd::RawFd;

use super::{check, MessageScratch, Slots, ADDRESS_SLOT_SIZE, META_STRIDE};
use crate::error::OsError;
use crate::sys::{cvt, retry};

impl MessageScratch {
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
                        unsafe { names.as_mut_ptr().add(index * ADDRESS_SLOT_SIZE) }.cast();
                    header.msg_namelen = ADDRESS_SLOT_SIZE as libc::socklen_t;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{listen_udp, local_address, send_to, SockAddr};
    use std::os::fd::AsRawFd;

    fn loopback() -> SockAddr {
        SockAddr::inet("127.0.0.1:0".parse().unwrap())
    }

    #[test]
    fn sixty_four_queued_datagrams_arrive_in_one_call_with_their_senders() {
        let rx = listen_udp(&loopback(), false, None).unwrap();
        let tx = listen_udp(&loopback(), false, None).unwrap();
        let to = local_address(rx.as_raw_fd()).unwrap();
        for i in 0..64u8 {
            send_to(tx.as_raw_fd(), &vec![i; usize::from(i)], Some(&to)).unwrap();
        }
        let slot = 64;
        let (mut data, mut meta, mut names) = (
            vec![0u8; 64 * slot],
            vec![0i32; 64 * 3],
            vec![0u8; 64 * ADDRESS_SLOT_SIZE],
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
        let sender = local_address(tx.as_raw_fd()).unwrap();
        for i in 0..64 {
            assert_eq!(meta[i * 3] as usize, i, "datagram {i}'s length");
            assert_eq!(meta[i * 3 + 1], 0, "not truncated");
            assert!(data[i * slot..i * slot + i]
                .iter()
                .all(|b| usize::from(*b) == i));
            let at = i * ADDRESS_SLOT_SIZE;
            assert_eq!(&names[at..at + meta[i * 3 + 2] as usize], sender.as_bytes());
        }
        assert_eq!(
            scratch
                .receive(rx.as_raw_fd(), &mut data, &mut meta, None, &slots)
                .unwrap(),
            None
        );
    }

    #[test]
    fn a_datagram_larger_than_its_slot_is_flagged_truncated() {
        let rx = listen_udp(&loopback(), false, None).unwrap();
        let to = local_address(rx.as_raw_fd()).unwrap();
        send_to(rx.as_raw_fd(), b"0123456789", Some(&to)).unwrap();
        send_to(rx.as_raw_fd(), b"", Some(&to)).unwrap();
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
}
