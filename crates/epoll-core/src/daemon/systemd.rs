//! systemd's socket activation (`sd_listen_fds(3)`) and readiness notification (`sd_notify(3)`),
//! without libsystemd. The caller reads (and afterwards unsets) the environment: the variables are
//! passed in, which keeps environment access in the one runtime that owns it.

use std::os::fd::RawFd;

use crate::error::OsError;
use crate::net::SockAddr;
use crate::sys::retry;
use crate::sys::{cvt, cvt_size};

/// The first passed fd (`SD_LISTEN_FDS_START`): 0, 1, 2 are stdio.
pub const LISTEN_FDS_START: RawFd = 3;

/// The name `sd_listen_fds_with_names` gives an fd that `LISTEN_FDNAMES` does not name.
pub const UNKNOWN_NAME: &str = "unknown";

fn invalid(variable: &str, value: &str) -> OsError {
    OsError::new(libc::EINVAL, "sd_listen_fds").with_detail(format!("{variable}={value:?}"))
}

/// The fds systemd passed: `LISTEN_FDS` of them from fd 3 on, named from `LISTEN_FDNAMES`
/// (colon-separated; a missing name is `"unknown"`), each set close-on-exec. Nothing when
/// `LISTEN_PID` is unset or names another process (the variables were meant for a parent), or when
/// `LISTEN_FDS` is unset or 0. A value that is not a number, or one that would run past the last fd
/// number, is `EINVAL`; a count that runs past the open fds is `EBADF` (from `fcntl`, at the first fd
/// that is not open), as in `sd_listen_fds`. Nothing is allocated ahead from the count: the list grows
/// only by fds found open, so it is bounded by `RLIMIT_NOFILE`, whatever the environment says.
pub fn listen_fds(
    listen_pid: Option<&str>,
    listen_fds: Option<&str>,
    listen_fdnames: Option<&str>,
    our_pid: i32,
) -> Result<Vec<(RawFd, String)>, OsError> {
    let Some(count) = listen_count(listen_pid, listen_fds, our_pid)? else {
        return Ok(Vec::new());
    };
    let mut names = fd_names(listen_fdnames);
    let mut fds = Vec::new();
    for fd in LISTEN_FDS_START..LISTEN_FDS_START + count {
        set_cloexec(fd)?;
        let name = names.next().unwrap_or(UNKNOWN_NAME);
        fds.push((fd, name.to_owned()));
    }
    Ok(fds)
}

/// How many fds `LISTEN_PID` and `LISTEN_FDS` say were passed to `our_pid`: `None` when none were
/// (unset, another pid, 0), `EINVAL` for a value that is not a number or a count past the last fd.
pub(crate) fn listen_count(
    listen_pid: Option<&str>,
    listen_fds: Option<&str>,
    our_pid: i32,
) -> Result<Option<i32>, OsError> {
    let Some(pid) = listen_pid else {
        return Ok(None);
    };
    let pid: i32 = pid
        .trim()
        .parse()
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| invalid("LISTEN_PID", pid))?;
    if pid != our_pid {
        return Ok(None);
    }
    let Some(count) = listen_fds else {
        return Ok(None);
    };
    let count: i32 = count
        .trim()
        .parse()
        .ok()
        .filter(|n| (0..=i32::MAX - LISTEN_FDS_START).contains(n))
        .ok_or_else(|| invalid("LISTEN_FDS", count))?;
    Ok((count > 0).then_some(count))
}

/// The names of `LISTEN_FDNAMES` in order (colon-separated), lazily: never more are split off than
/// there are fds.
pub(crate) fn fd_names(listen_fdnames: Option<&str>) -> impl Iterator<Item = &str> {
    listen_fdnames.map(|n| n.split(':')).into_iter().flatten()
}

fn set_cloexec(fd: RawFd) -> Result<(), OsError> {
    let detail = || format!("LISTEN_FDS fd {fd}");
    // SAFETY: fcntl(F_GETFD/F_SETFD) takes no pointers.
    let flags = cvt(unsafe { libc::fcntl(fd, libc::F_GETFD) }, "fcntl")
        .map_err(|e| e.with_detail(detail()))?;
    cvt(
        // SAFETY: as above.
        unsafe { libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC) },
        "fcntl",
    )
    .map_err(|e| e.with_detail(detail()))?;
    Ok(())
}

/// The address `$NOTIFY_SOCKET` names: a path (`/run/systemd/notify`), or an abstract name written
/// with a leading `@`. Other forms (`vsock:`) are `EAFNOSUPPORT`, as in `sd_notify`; one too long
/// for `sun_path` is `ENAMETOOLONG`.
pub(crate) fn notify_address(socket: &[u8]) -> Result<SockAddr, OsError> {
    let address = match socket.first() {
        Some(b'/') => socket.to_vec(),
        Some(b'@') => [&[0u8][..], &socket[1..]].concat(),
        _ => {
            return Err(
                OsError::new(libc::EAFNOSUPPORT, "sd_notify").with_detail(format!(
                    "NOTIFY_SOCKET={:?}",
                    String::from_utf8_lossy(socket)
                )),
            )
        }
    };
    SockAddr::unix(&address, "sendto")
}

/// Sends `state` (`"READY=1"`, `"STATUS=..."`, `"WATCHDOG=1"`, several lines at once) as one
/// datagram to `socket`, the value of `$NOTIFY_SOCKET`: a path, or an abstract name written with a
/// leading `@`. Other forms (`vsock:`) are `EAFNOSUPPORT`, as in `sd_notify`.
pub fn notify(socket: &[u8], state: &[u8]) -> Result<(), OsError> {
    let to = notify_address(socket)?;
    let (to_ptr, to_len) = to.as_raw();
    let flags = libc::SOCK_DGRAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK;
    // SAFETY: socket takes no pointers.
    let fd = cvt(unsafe { libc::socket(libc::AF_UNIX, flags, 0) }, "socket")?;
    // SAFETY: socket just returned this fd; the OwnedFd closes it on every path out.
    let owned = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    let sent = retry(|| {
        // SAFETY: `state` is readable for its length and `to_ptr` points at the valid address of
        // `to_len` bytes that `to` holds.
        cvt_size(
            unsafe {
                libc::sendto(
                    fd,
                    state.as_ptr().cast(),
                    state.len(),
                    libc::MSG_NOSIGNAL,
                    to_ptr,
                    to_len,
                )
            },
            "sendto",
        )
    });
    drop(owned);
    let detail = || format!("NOTIFY_SOCKET={:?}", String::from_utf8_lossy(socket));
    match sent {
        Ok(Some(_)) => Ok(()),
        // The manager's queue is full: the same failure a blocking sd_notify would wait out.
        Ok(None) => Err(OsError::new(libc::EAGAIN, "sendto").with_detail(detail())),
        Err(e) => Err(e.with_detail(detail())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixDatagram;

    #[test]
    fn variables_meant_for_another_process_or_absent_give_no_fds() {
        assert_eq!(listen_fds(None, Some("2"), None, 42), Ok(vec![]));
        assert_eq!(listen_fds(Some("41"), Some("2"), None, 42), Ok(vec![]));
        assert_eq!(listen_fds(Some("42"), None, None, 42), Ok(vec![]));
        assert_eq!(listen_fds(Some("42"), Some("0"), None, 42), Ok(vec![]));
    }

    #[test]
    fn values_that_are_not_numbers_are_einval() {
        for (pid, fds) in [("x", "1"), ("0", "1"), ("42", "two"), ("42", "-1")] {
            let err = listen_fds(Some(pid), Some(fds), None, 42).unwrap_err();
            assert_eq!(err.errno, libc::EINVAL, "{pid} {fds}");
        }
    }

    #[test]
    fn a_count_that_runs_past_the_open_fds_is_ebadf() {
        // Passing real fds needs a fresh process (fd 3 on): the systemd spec in `__test__/daemon/` does.
        // Setting close-on-exec on this test process's own fds 3.. on the way is harmless.
        let me = std::process::id() as i32;
        let err = listen_fds(Some(&me.to_string()), Some("100000"), None, me).unwrap_err();
        assert_eq!((err.errno, err.syscall), (libc::EBADF, "fcntl"));
    }

    #[test]
    fn the_largest_count_is_ebadf_at_the_first_closed_fd_not_an_allocation_abort() {
        // `Vec::with_capacity(count)` made this a 64 GiB allocation and SIGABRT (issue 23, item 1).
        let me = std::process::id() as i32;
        let largest = (i32::MAX - LISTEN_FDS_START).to_string();
        let err = listen_fds(Some(&me.to_string()), Some(&largest), None, me).unwrap_err();
        assert_eq!((err.errno, err.syscall), (libc::EBADF, "fcntl"));
        let beyond = (i32::MAX - LISTEN_FDS_START + 1).to_string();
        let err = listen_fds(Some(&me.to_string()), Some(&beyond), None, me).unwrap_err();
        assert_eq!(err.errno, libc::EINVAL);
    }

    #[test]
    fn set_cloexec_marks_an_inherited_fd_close_on_exec() {
        // SAFETY: dup of stdin (open in any test process) makes a fresh fd without FD_CLOEXEC.
        let fd = unsafe { libc::dup(0) };
        assert!(fd >= 0);
        // SAFETY: F_GETFD takes no pointers.
        let flags = || unsafe { libc::fcntl(fd, libc::F_GETFD) };
        assert_eq!(flags() & libc::FD_CLOEXEC, 0);
        set_cloexec(fd).unwrap();
        assert_eq!(flags() & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
        // SAFETY: closes the fd made above.
        unsafe { libc::close(fd) };
    }

    #[test]
    fn notify_sends_one_datagram_to_a_path_or_an_abstract_name() {
        let path = std::env::temp_dir().join(format!("epoll-core-notify-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixDatagram::bind(&path).unwrap();
        notify(path.as_os_str().as_encoded_bytes(), b"READY=1\nSTATUS=up").unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=up");
        std::fs::remove_file(&path).unwrap();

        let name = format!("epoll-core-notify-{}", std::process::id());
        let abstract_listener = {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
            UnixDatagram::bind_addr(&addr).unwrap()
        };
        notify(format!("@{name}").as_bytes(), b"WATCHDOG=1").unwrap();
        let n = abstract_listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"WATCHDOG=1");
    }

    #[test]
    fn notify_to_nobody_or_an_unknown_form_fails_with_the_errno() {
        assert_eq!(
            notify(b"/nonexistent/notify", b"READY=1")
                .unwrap_err()
                .errno,
            libc::ENOENT
        );
        assert_eq!(
            notify(b"vsock:2:1", b"READY=1").unwrap_err().errno,
            libc::EAFNOSUPPORT
        );
    }
}
