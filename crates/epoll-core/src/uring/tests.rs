//! The ring against real sockets: what the stream layer relies on.

use std::os::fd::{AsRawFd, OwnedFd};

use super::unbuilt;
use super::{Completion, Op, Ring, RingSize};
use crate::net::socketpair;

fn ring() -> Ring {
    Ring::new(RingSize {
        entries: 8,
        buffers: 4,
        buffer_size: 4096,
    })
    .expect("io_uring is available on the machines that run these tests")
}

fn pair() -> (OwnedFd, OwnedFd) {
    socketpair(libc::SOCK_STREAM).unwrap()
}

fn write_all(fd: &OwnedFd, bytes: &[u8]) {
    assert_eq!(
        crate::fd::write(fd.as_raw_fd(), bytes).unwrap(),
        Some(bytes.len())
    );
}

/// Whether the ring's fd polls readable within `ms`.
fn readable(ring: &Ring, ms: i32) -> bool {
    let mut p = libc::pollfd {
        fd: ring.fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut p, 1, ms) == 1 }
}

/// Every completion waiting (after the ring fd said so), as (token, result, bytes).
fn completions(ring: &mut Ring) -> Vec<(u32, i32, Vec<u8>)> {
    ring.submit().unwrap();
    let mut all = Vec::new();
    ring.reap(64, 1 << 20, |c: Completion<'_>| {
        all.push((
            c.token,
            c.result,
            c.data.map(<[u8]>::to_vec).unwrap_or_default(),
        ))
    });
    all
}

#[test]
fn a_receive_completes_with_the_bytes_the_peer_wrote_and_the_ring_fd_says_so() {
    let mut ring = ring();
    let (a, b) = pair();
    // SAFETY: a receive refers to no caller memory.
    unsafe {
        ring.push(Op::Recv {
            fd: a.as_raw_fd(),
            token: 7,
        })
    }
    .unwrap();
    ring.submit().unwrap();
    assert!(
        !readable(&ring, 20),
        "nothing to report before the peer writes"
    );
    write_all(&b, b"hello");
    assert!(
        readable(&ring, 1000),
        "the ring fd polls readable once the receive completed"
    );
    assert_eq!(completions(&mut ring), vec![(7, 5, b"hello".to_vec())]);
}

#[test]
fn a_receive_after_the_peer_closed_completes_with_zero() {
    let mut ring = ring();
    let (a, b) = pair();
    drop(b);
    // SAFETY: a receive refers to no caller memory.
    unsafe {
        ring.push(Op::Recv {
            fd: a.as_raw_fd(),
            token: 1,
        })
    }
    .unwrap();
    assert!(
        readable(&ring, 0) || {
            ring.submit().unwrap();
            readable(&ring, 1000)
        }
    );
    assert_eq!(completions(&mut ring), vec![(1, 0, Vec::new())]);
}

#[test]
fn a_send_completes_with_the_bytes_taken_and_the_peer_reads_them() {
    let mut ring = ring();
    let (a, b) = pair();
    let data = b"over the ring".to_vec();
    // SAFETY: `data` lives until the completion is reaped below.
    unsafe {
        ring.push(Op::Send {
            fd: a.as_raw_fd(),
            token: 3,
            data: data.as_ptr(),
            len: data.len() as u32,
        })
    }
    .unwrap();
    ring.submit().unwrap();
    assert!(readable(&ring, 1000));
    assert_eq!(completions(&mut ring), vec![(3, 13, Vec::new())]);
    let mut got = [0u8; 32];
    assert_eq!(crate::fd::read(b.as_raw_fd(), &mut got).unwrap(), Some(13));
    assert_eq!(&got[..13], b"over the ring");
}

#[test]
fn a_cancelled_receive_completes_with_ecanceled_and_the_cancel_itself_is_not_reported() {
    let mut ring = ring();
    let (a, _b) = pair();
    // SAFETY: receives and cancellations refer to no caller memory.
    unsafe {
        ring.push(Op::Recv {
            fd: a.as_raw_fd(),
            token: 9,
        })
    }
    .unwrap();
    ring.submit().unwrap();
    // SAFETY: as above.
    unsafe { ring.push(Op::Cancel { token: 9 }) }.unwrap();
    ring.submit().unwrap();
    assert!(readable(&ring, 1000));
    assert_eq!(
        completions(&mut ring),
        vec![(9, -libc::ECANCELED, Vec::new())]
    );
}

#[test]
fn buffers_go_back_to_the_kernel_so_many_more_receives_than_buffers_complete() {
    let mut ring = ring();
    let (a, b) = pair();
    for round in 0..40u32 {
        // SAFETY: a receive refers to no caller memory.
        unsafe {
            ring.push(Op::Recv {
                fd: a.as_raw_fd(),
                token: round,
            })
        }
        .unwrap();
        write_all(&b, format!("round {round}").as_bytes());
        ring.submit().unwrap();
        assert!(readable(&ring, 1000));
        assert_eq!(
            completions(&mut ring),
            vec![(
                round,
                format!("round {round}").len() as i32,
                format!("round {round}").into_bytes()
            )]
        );
    }
}

#[test]
fn reaping_stops_before_a_receive_that_could_overflow_the_callers_room() {
    let mut ring = ring();
    let (a, b) = pair();
    write_all(&b, b"x");
    // SAFETY: a receive refers to no caller memory.
    unsafe {
        ring.push(Op::Recv {
            fd: a.as_raw_fd(),
            token: 2,
        })
    }
    .unwrap();
    ring.submit().unwrap();
    assert!(readable(&ring, 1000));
    let (count, waiting) = ring.reap(64, 100, |_| panic!("no room for a buffer of 4096 bytes"));
    assert_eq!((count, waiting), (0, true));
    assert_eq!(completions(&mut ring), vec![(2, 1, b"x".to_vec())]);
}

#[test]
fn more_operations_than_submission_entries_are_submitted_in_parts() {
    let mut ring = ring();
    let pairs: Vec<_> = (0..20).map(|_| pair()).collect();
    for (i, (_, b)) in pairs.iter().enumerate() {
        write_all(b, &[i as u8]);
    }
    for (i, (a, _)) in pairs.iter().enumerate().take(4) {
        // SAFETY: a receive refers to no caller memory.
        unsafe {
            ring.push(Op::Recv {
                fd: a.as_raw_fd(),
                token: i as u32,
            })
        }
        .unwrap();
    }
    let data = [0u8; 1];
    for (i, (a, _)) in pairs.iter().enumerate().skip(4) {
        // SAFETY: `data` outlives the ring's completions, reaped below.
        unsafe {
            ring.push(Op::Send {
                fd: a.as_raw_fd(),
                token: 100 + i as u32,
                data: data.as_ptr(),
                len: 1,
            })
        }
        .unwrap();
    }
    ring.submit().unwrap();
    let mut got = completions(&mut ring);
    got.sort();
    let mut want: Vec<_> = (0..4).map(|i| (i, 1, vec![i as u8])).collect();
    want.extend((4..20).map(|i| (100 + i, 1, Vec::new())));
    assert_eq!(got, want);
}

#[test]
fn a_multishot_receive_stays_armed_across_arrivals_and_ends_with_end_of_file() {
    let mut ring = ring();
    let (a, b) = pair();
    // SAFETY: a receive refers to no caller memory.
    unsafe {
        ring.push(Op::RecvMulti {
            fd: a.as_raw_fd(),
            token: 5,
        })
    }
    .unwrap();
    ring.submit().unwrap();
    let mut seen = Vec::new();
    for word in ["one", "two", "three"] {
        write_all(&b, word.as_bytes());
        assert!(readable(&ring, 1000));
        ring.submit().unwrap();
        ring.reap(64, 1 << 20, |c| {
            seen.push((c.token, c.result, c.more, c.data.map(<[u8]>::to_vec)))
        });
    }
    drop(b);
    assert!(readable(&ring, 1000));
    ring.submit().unwrap();
    ring.reap(64, 1 << 20, |c| {
        seen.push((c.token, c.result, c.more, c.data.map(<[u8]>::to_vec)))
    });
    assert_eq!(
        seen,
        vec![
            (5, 3, true, Some(b"one".to_vec())),
            (5, 3, true, Some(b"two".to_vec())),
            (5, 5, true, Some(b"three".to_vec())),
            (5, 0, false, None),
        ]
    );
}

/// A UDP socket on 127.0.0.1 and its raw address.
fn udp() -> (OwnedFd, Vec<u8>) {
    use std::os::fd::FromRawFd;
    // SAFETY: plain socket calls on a new fd and locals of the right sizes.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_NONBLOCK, 0);
        assert!(fd >= 0);
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as u16;
        addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let len = std::mem::size_of::<libc::sockaddr_in>() as u32;
        assert_eq!(
            libc::bind(fd, (&addr as *const libc::sockaddr_in).cast(), len),
            0
        );
        let mut len = len;
        libc::getsockname(fd, (&mut addr as *mut libc::sockaddr_in).cast(), &mut len);
        let raw = std::slice::from_raw_parts(
            (&addr as *const libc::sockaddr_in).cast::<u8>(),
            len as usize,
        )
        .to_vec();
        (OwnedFd::from_raw_fd(fd), raw)
    }
}

#[test]
fn datagrams_arrive_with_their_senders_and_a_send_to_answers_the_sender() {
    let mut ring = ring();
    let (server, server_address) = udp();
    let (client, client_address) = udp();
    // SAFETY: a receive refers to no caller memory.
    unsafe {
        ring.push(Op::RecvMsgMulti {
            fd: server.as_raw_fd(),
            token: 4,
        })
    }
    .unwrap();
    ring.submit().unwrap();
    for word in [&b"first"[..], b"second"] {
        // SAFETY: valid buffer and address for the call.
        let sent = unsafe {
            libc::sendto(
                client.as_raw_fd(),
                word.as_ptr().cast(),
                word.len(),
                0,
                server_address.as_ptr().cast(),
                server_address.len() as u32,
            )
        };
        assert_eq!(sent, word.len() as isize);
    }
    let mut seen = Vec::new();
    for _ in 0..50 {
        if seen.len() == 2 {
            break;
        }
        readable(&ring, 100);
        ring.submit().unwrap();
        ring.reap(64, 1 << 20, |c| {
            seen.push((
                c.token,
                c.result,
                c.more,
                c.data.map(<[u8]>::to_vec),
                c.name.map(<[u8]>::to_vec),
                c.truncated,
            ))
        });
    }
    assert_eq!(
        seen,
        vec![
            (
                4,
                5,
                true,
                Some(b"first".to_vec()),
                Some(client_address.clone()),
                false
            ),
            (
                4,
                6,
                true,
                Some(b"second".to_vec()),
                Some(client_address.clone()),
                false
            ),
        ]
    );
    let answer = b"answer";
    // SAFETY: `answer` and the address live until the completion is reaped below.
    unsafe {
        ring.push(Op::SendTo {
            fd: server.as_raw_fd(),
            token: 8,
            data: answer.as_ptr(),
            len: 6,
            address: client_address.as_ptr(),
            address_len: client_address.len() as u32,
        })
    }
    .unwrap();
    ring.submit().unwrap();
    let mut sent = Vec::new();
    ring.reap(64, 1 << 20, |c| sent.push((c.token, c.result)));
    assert_eq!(sent, vec![(8, 6)]);
    let mut got = [0u8; 16];
    assert_eq!(
        crate::fd::read(client.as_raw_fd(), &mut got).unwrap(),
        Some(6)
    );
    assert_eq!(&got[..6], b"answer");
}

/// Every call the binding makes, made the same way on the real ring and on the stand-in of the
/// CPUs without one: when their signatures drift apart, this stops compiling (on the host).
#[test]
fn the_stand_in_without_io_uring_has_the_real_rings_calls_and_is_always_unavailable() {
    fn use_ring(ring: &mut Ring) -> (usize, bool) {
        let _: (i32, &str) = (ring.fd(), ring.setup());
        // SAFETY: a cancellation refers to no memory.
        unsafe { ring.push(Op::Cancel { token: 1 }) }.unwrap();
        ring.submit().unwrap();
        ring.reap(1, 1 << 20, |_: Completion<'_>| {})
    }
    fn use_stand_in(ring: &mut unbuilt::Ring) -> (usize, bool) {
        let _: (i32, &str) = (ring.fd(), ring.setup());
        // SAFETY: a cancellation refers to no memory.
        unsafe { ring.push(Op::Cancel { token: 1 }) }.unwrap();
        ring.submit().unwrap();
        ring.reap(1, 1 << 20, |_: Completion<'_>| {})
    }
    let _ = use_ring(&mut ring());
    let unavailable = unbuilt::Ring::new(RingSize::default())
        .err()
        .expect("never a ring");
    assert!(
        unavailable.reason.contains("not built for"),
        "{}",
        unavailable.reason
    );
    let _ = use_stand_in;
}
