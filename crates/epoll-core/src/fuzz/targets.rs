//! One test per decoder; each states the invariants its output must keep for any input.

use super::run;
use crate::daemon::fdpass::rights_in;
use crate::daemon::inotify::parse;
use crate::daemon::systemd::{fd_names, listen_count, notify_address, LISTEN_FDS_START};
use crate::net::{SockAddr, SOCKADDR_STORAGE_SIZE};

/// `sun_path`'s size: a path and its NUL, or an abstract name, fit in it.
const SUN_PATH: usize = 108;

#[test]
fn fuzz_sockaddr_bytes() {
    // A raw `struct sockaddr` from JavaScript: kept as it is, or refused by length; never misread.
    run("sockaddr", |input| {
        match SockAddr::from_bytes(input, "bind") {
            Ok(addr) => {
                assert!((2..=SOCKADDR_STORAGE_SIZE).contains(&input.len()));
                assert_eq!(addr.as_bytes(), input, "the bytes round-trip exactly");
                let family = u16::from_ne_bytes([input[0], input[1]]);
                assert_eq!(addr.family(), libc::c_int::from(family));
                if addr.family() == libc::AF_UNIX {
                    assert!(
                        input.len() <= 2 + SUN_PATH,
                        "a unix address fits sockaddr_un"
                    );
                }
                // The words of an error message; empty for an unnamed unix socket (the family alone).
                let _ = addr.shown();
            }
            Err(e) => {
                let unix = input.len() >= 2
                    && libc::c_int::from(u16::from_ne_bytes([input[0], input[1]])) == libc::AF_UNIX;
                if unix && input.len() > 2 + SUN_PATH {
                    // A unix path too long for `sun_path` has the error a path always had here.
                    assert_eq!(e.errno, libc::ENAMETOOLONG);
                } else {
                    assert_eq!(e.errno, libc::EINVAL);
                    assert!(input.len() < 2 || input.len() > SOCKADDR_STORAGE_SIZE);
                }
            }
        }
    });
}

#[test]
fn fuzz_unix_path() {
    // A unix path or abstract name (any bytes): it fits `sun_path` exactly as given, or is refused.
    run("unix_path", |input| {
        let abstract_name = input.first() == Some(&0);
        let used = input.len() + usize::from(!abstract_name);
        match SockAddr::unix(input, "bind") {
            Ok(addr) => {
                assert!(!input.is_empty() && used <= SUN_PATH);
                let bytes = addr.as_bytes();
                assert_eq!(addr.family(), libc::AF_UNIX);
                assert_eq!(bytes.len(), 2 + used);
                assert_eq!(
                    &bytes[2..2 + input.len()],
                    input,
                    "the name is kept byte for byte"
                );
                let again = SockAddr::from_bytes(bytes, "bind").unwrap();
                assert_eq!(again, addr, "and survives the trip through raw bytes");
                let _ = addr.shown();
            }
            Err(e) => {
                let expected = if input.is_empty() {
                    libc::EINVAL
                } else {
                    libc::ENAMETOOLONG
                };
                assert_eq!(e.errno, expected);
                assert!(input.is_empty() || used > SUN_PATH);
            }
        }
    });
}

#[test]
fn fuzz_scm_rights() {
    // Control bytes as `recvmsg` fills them, headers with any lengths: only fds inside the bytes
    // are read, never more than the bytes hold, and nothing panics.
    run("scm_rights", |input| {
        let fds = rights_in(input);
        assert!(fds.len() * size_of::<i32>() <= input.len());
        let header = size_of::<libc::cmsghdr>();
        if input.len() < header {
            assert!(fds.is_empty());
        }
    });
}

#[test]
fn a_well_formed_control_message_gives_back_exactly_its_fds() {
    // The reference: messages built with the C library's own macros, as the kernel writes them.
    let mut rng = super::XorShift::new(7);
    for _ in 0..2000 {
        let count = rng.below(8);
        let fds: Vec<i32> = (0..count).map(|_| rng.next() as i32).collect();
        // SAFETY: CMSG_SPACE only computes a size.
        let space = unsafe { libc::CMSG_SPACE((count * 4) as u32) } as usize;
        let mut control = vec![0u64; space.div_ceil(8).max(1)];
        // SAFETY: an all-zero msghdr is a valid empty message; it points at `control` only.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        // SAFETY: `control` has CMSG_SPACE room for one header and the fds.
        unsafe {
            let h = libc::CMSG_FIRSTHDR(&msg);
            (*h).cmsg_level = libc::SOL_SOCKET;
            (*h).cmsg_type = libc::SCM_RIGHTS;
            (*h).cmsg_len = libc::CMSG_LEN((count * 4) as u32) as _;
            std::ptr::copy_nonoverlapping(fds.as_ptr(), libc::CMSG_DATA(h).cast(), count);
        }
        // SAFETY: `control` is `space` initialised bytes (rounded up to words).
        let bytes = unsafe { std::slice::from_raw_parts(control.as_ptr().cast::<u8>(), space) };
        assert_eq!(rights_in(bytes), fds);
    }
}

#[test]
fn fuzz_inotify_records() {
    // The bytes of one inotify `read`: records are taken whole, in order, names without their NUL
    // padding, and never past the end.
    const HEADER: usize = size_of::<libc::inotify_event>();
    run("inotify", |input| {
        let events = parse(input);
        let used: usize = events
            .iter()
            .map(|_| HEADER)
            .sum::<usize>()
            .saturating_add(events.iter().map(|e| e.name.len()).sum());
        assert!(used <= input.len());
        assert!(events.len() <= input.len() / HEADER);
        for event in &events {
            assert!(!event.name.contains(&0));
        }
    });
}

#[test]
fn fuzz_listen_environment() {
    // LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES as a daemon may find them (the input split at NUL
    // bytes, so any text reaches each): a count only for our pid, within what fd numbers allow;
    // EINVAL otherwise; names split off lazily, without their colons.
    const OUR_PID: i32 = 4242;
    run("listen_env", |input| {
        let mut fields = input.split(|&b| b == 0).map(String::from_utf8_lossy);
        let pid = fields.next();
        let count = fields.next();
        let names = fields.next();
        let result = listen_count(pid.as_deref(), count.as_deref(), OUR_PID);
        match result {
            Ok(Some(n)) => {
                assert!((1..=i32::MAX - LISTEN_FDS_START).contains(&n));
                assert_eq!(pid.as_deref().unwrap().trim().parse::<i32>(), Ok(OUR_PID));
                assert_eq!(count.as_deref().unwrap().trim().parse::<i32>(), Ok(n));
                // At most as many names as fds are ever split off, however many the text holds.
                for name in fd_names(names.as_deref()).take(n.min(64) as usize) {
                    assert!(!name.contains(':'));
                }
            }
            Ok(None) => {}
            Err(e) => assert_eq!((e.errno, e.syscall), (libc::EINVAL, "sd_listen_fds")),
        }
    });
}

#[test]
fn fuzz_notify_socket() {
    // $NOTIFY_SOCKET: a path or an `@` abstract name becomes exactly that unix address; anything
    // else is refused with the errno sd_notify gives.
    run("notify_socket", |input| match notify_address(input) {
        Ok(addr) => {
            assert!(matches!(input.first(), Some(b'/' | b'@')));
            let bytes = addr.as_bytes();
            assert_eq!(addr.family(), libc::AF_UNIX);
            let name = &bytes[2..2 + input.len()];
            assert_eq!(&name[1..], &input[1..]);
            assert_eq!(name[0], if input[0] == b'@' { 0 } else { b'/' });
        }
        Err(e) => {
            let refused = [libc::EAFNOSUPPORT, libc::ENAMETOOLONG, libc::EINVAL];
            assert!(refused.contains(&e.errno), "{e}");
            if e.errno == libc::EAFNOSUPPORT {
                assert!(!matches!(input.first(), Some(b'/' | b'@')));
            }
        }
    });
}
