//! `sendmmsg(2)` from the caller's slots: many datagrams, each to its own address, in one call.

use std::os::fd::RawFd;

use super::{check, invalid, MessageScratch, Slots, ADDRESS_SLOT_SIZE, META_STRIDE};
use crate::error::OsError;
use crate::sys::{cvt, retry};

impl MessageScratch {
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
            if name_length < 0 || name_length as usize > ADDRESS_SLOT_SIZE {
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
                    header.msg_name = unsafe { names.as_ptr().add(index * ADDRESS_SLOT_SIZE) }
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
    use crate::net::{listen_udp, local_address, recv_from, send_to, SockAddr};
    use std::os::fd::AsRawFd;

    fn loopback() -> SockAddr {
        SockAddr::inet("127.0.0.1:0".parse().unwrap())
    }

    #[test]
    fn a_batch_echoes_back_to_every_sender_from_the_same_memory() {
        let server = listen_udp(&loopback(), false, None).unwrap();
        let to = local_address(server.as_raw_fd()).unwrap();
        let clients: Vec<_> = (0..4)
            .map(|_| listen_udp(&loopback(), false, None).unwrap())
            .collect();
        for (i, c) in clients.iter().enumerate() {
            send_to(c.as_raw_fd(), format!("client {i}").as_bytes(), Some(&to)).unwrap();
        }
        let slot = 32;
        let (mut data, mut meta, mut names) = (
            vec![0u8; 8 * slot],
            vec![0i32; 8 * 3],
            vec![0u8; 8 * ADDRESS_SLOT_SIZE],
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
            let got = recv_from(c.as_raw_fd(), &mut buf, &mut [])
                .unwrap()
                .expect("echoed");
            assert_eq!(&buf[..got.bytes], format!("client {i}").as_bytes());
        }
    }
}
