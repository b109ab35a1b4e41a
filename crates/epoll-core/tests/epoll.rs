//! Behaviour of the core `Epoll` on real fds: triggering modes, errors, closing, adoption, signals.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use epoll_core::*;

fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    assert_eq!(
        // SAFETY: `fds` has room for the two fds pipe2 writes.
        unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) },
        0
    );
    // SAFETY: pipe2 just created both fds and nothing else owns them.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

fn write_byte(fd: &OwnedFd) {
    assert_eq!(
        // SAFETY: writes one byte from a valid one-byte buffer.
        unsafe { libc::write(fd.as_raw_fd(), b"x".as_ptr().cast(), 1) },
        1
    );
}

fn read_all(fd: &OwnedFd) {
    let mut buf = [0u8; 64];
    // SAFETY: reads into a valid 64-byte buffer.
    while unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
}

fn ready(ep: &mut Epoll) -> Vec<(RawFd, u32)> {
    ep.wait(64, Timeout::Immediate).unwrap()
}

#[test]
fn level_triggered_reports_until_consumed() {
    let mut ep = Epoll::new(true).unwrap();
    let (r, w) = pipe();
    ep.register(r.as_raw_fd(), EPOLLIN).unwrap();
    assert!(ready(&mut ep).is_empty());
    write_byte(&w);
    assert_eq!(ready(&mut ep), [(r.as_raw_fd(), EPOLLIN)]);
    assert_eq!(ready(&mut ep), [(r.as_raw_fd(), EPOLLIN)]);
    read_all(&r);
    assert!(ready(&mut ep).is_empty());
}

#[test]
fn edge_triggered_reports_each_edge_once() {
    let mut ep = Epoll::new(true).unwrap();
    let (r, w) = pipe();
    ep.register(r.as_raw_fd(), EPOLLIN | EPOLLET).unwrap();
    write_byte(&w);
    assert_eq!(ready(&mut ep), [(r.as_raw_fd(), EPOLLIN)]);
    assert!(ready(&mut ep).is_empty(), "no new edge, no event");
    write_byte(&w);
    assert_eq!(ready(&mut ep), [(r.as_raw_fd(), EPOLLIN)]);
}

#[test]
fn oneshot_disarms_until_modified() {
    let mut ep = Epoll::new(true).unwrap();
    let (r, w) = pipe();
    ep.register(r.as_raw_fd(), EPOLLIN | EPOLLONESHOT).unwrap();
    write_byte(&w);
    assert_eq!(ready(&mut ep).len(), 1);
    write_byte(&w);
    assert!(ready(&mut ep).is_empty());
    ep.modify(r.as_raw_fd(), EPOLLIN | EPOLLONESHOT).unwrap();
    assert_eq!(ready(&mut ep).len(), 1);
}

#[test]
fn suspend_parks_a_level_triggered_fd_and_resume_rearms_it() {
    let mut ep = Epoll::new(true).unwrap();
    let (r, w) = pipe();
    ep.register(r.as_raw_fd(), EPOLLIN).unwrap();
    write_byte(&w);
    ep.suspend(r.as_raw_fd()).unwrap();
    assert_eq!(ready(&mut ep).len(), 1);
    assert!(ready(&mut ep).is_empty());
    assert_eq!(
        ep.interest(r.as_raw_fd()),
        Some(EPOLLIN),
        "the mask is remembered"
    );
    ep.resume(r.as_raw_fd()).unwrap();
    assert_eq!(ready(&mut ep).len(), 1);
    assert_eq!(ready(&mut ep).len(), 1);
}

#[test]
fn an_exclusive_registration_can_be_suspended_and_resumed_too() {
    let mut ep = Epoll::new(true).unwrap();
    let (r, w) = pipe();
    ep.register(r.as_raw_fd(), EPOLLIN | EPOLLEXCLUSIVE)
        .unwrap();
    write_byte(&w);
    ep.suspend(r.as_raw_fd()).unwrap();
    assert!(ready(&mut ep).is_empty());
    assert!(
        ep.has(r.as_raw_fd()),
        "still registered as far as the caller is concerned"
    );
    ep.resume(r.as_raw_fd()).unwrap();
    assert_eq!(ready(&mut ep).len(), 1);
}

#[test]
fn a_suspended_exclusive_registration_still_unregisters_and_refuses_modify_as_the_kernel_would() {
    let mut ep = Epoll::new(true).unwrap();
    let (r, w) = pipe();
    let fd = r.as_raw_fd();
    ep.register(fd, EPOLLIN | EPOLLEXCLUSIVE).unwrap();
    write_byte(&w);
    ep.suspend(fd).unwrap();
    let err = ep.modify(fd, EPOLLIN).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Os(OsError {
                errno: libc::EINVAL,
                ..
            })
        ),
        "{err}"
    );
    assert!(ep.has(fd), "a refused modify keeps the registration");
    let err = ep.register(fd, EPOLLIN).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Os(OsError {
                errno: libc::EEXIST,
                ..
            })
        ),
        "{err}"
    );
    ep.unregister(fd).unwrap();
    assert!(!ep.has(fd));
    ep.register(fd, EPOLLIN).unwrap();
    assert_eq!(
        ready(&mut ep).len(),
        1,
        "registered afresh after unregister"
    );
}

#[test]
fn exclusive_registrations_are_accepted_with_add_and_refused_by_modify() {
    let mut ep = Epoll::new(true).unwrap();
    let (r, _w) = pipe();
    ep.register(r.as_raw_fd(), EPOLLIN | EPOLLEXCLUSIVE)
        .unwrap();
    let err = ep.modify(r.as_raw_fd(), EPOLLIN).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Os(OsError {
                errno: libc::EINVAL,
                ..
            })
        ),
        "{err}"
    );
}

#[test]
fn ctl_errors_keep_errno_and_syscall() {
    let mut ep = Epoll::new(true).unwrap();
    let (r, _w) = pipe();
    ep.register(r.as_raw_fd(), EPOLLIN).unwrap();
    let Error::Os(e) = ep.register(r.as_raw_fd(), EPOLLIN).unwrap_err() else {
        panic!()
    };
    assert_eq!(
        (e.errno, e.syscall, e.code().as_str()),
        (libc::EEXIST, "epoll_ctl", "EEXIST")
    );
    assert!(
        e.to_string()
            .contains(&format!("EPOLL_CTL_ADD fd {}", r.as_raw_fd())),
        "{e}"
    );
    let Error::Os(e) = ep.modify(999, EPOLLIN).unwrap_err() else {
        panic!()
    };
    assert_eq!(e.code(), "EBADF");
    ep.unregister(r.as_raw_fd()).unwrap();
    let Error::Os(e) = ep.unregister(r.as_raw_fd()).unwrap_err() else {
        panic!()
    };
    assert_eq!(e.code(), "ENOENT");
    // Regular files cannot be watched.
    let file = std::fs::File::open("/proc/self/status").unwrap();
    let Error::Os(e) = ep.register(file.as_raw_fd(), EPOLLIN).unwrap_err() else {
        panic!()
    };
    assert_eq!(e.code(), "EPERM");
}

#[test]
fn size_and_has_follow_registrations() {
    let mut ep = Epoll::new(true).unwrap();
    let (r, w) = pipe();
    ep.register(r.as_raw_fd(), EPOLLIN).unwrap();
    ep.register(w.as_raw_fd(), EPOLLOUT).unwrap();
    assert_eq!(ep.size(), 2);
    assert!(ep.has(w.as_raw_fd()));
    ep.unregister(w.as_raw_fd()).unwrap();
    assert!(!ep.has(w.as_raw_fd()));
    assert!(ep.register(r.as_raw_fd(), EPOLLIN).is_err());
    assert_eq!(ep.size(), 1, "a failed register changes nothing");
}

#[test]
fn a_closed_instance_refuses_everything_and_closes_once() {
    let mut ep = Epoll::new(true).unwrap();
    let fd = ep.fd().unwrap();
    ep.close();
    ep.close();
    assert!(ep.is_closed());
    assert_eq!(ep.fd(), Err(Error::Closed));
    assert_eq!(ep.register(0, EPOLLIN), Err(Error::Closed));
    assert_eq!(ep.wait(1, Timeout::Immediate), Err(Error::Closed));
    assert_eq!(ep.suspend(fd), Err(Error::Closed));
}

#[test]
fn close_on_exec_is_the_default_and_can_be_turned_off() {
    let flags = |ep: &Epoll| {
        // SAFETY: fcntl(F_GETFD) takes no pointers.
        unsafe { libc::fcntl(ep.fd().unwrap(), libc::F_GETFD) }
    };
    assert_eq!(
        flags(&Epoll::new(true).unwrap()) & libc::FD_CLOEXEC,
        libc::FD_CLOEXEC
    );
    assert_eq!(flags(&Epoll::new(false).unwrap()) & libc::FD_CLOEXEC, 0);
}

#[test]
fn from_fd_adopts_an_epoll_fd_with_its_registrations() {
    let (r, w) = pipe();
    // SAFETY: epoll_create1 takes no pointers.
    let raw = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    let mut event = libc::epoll_event {
        events: EPOLLIN,
        u64: r.as_raw_fd() as u64,
    };
    assert_eq!(
        // SAFETY: `event` is valid for the call.
        unsafe { libc::epoll_ctl(raw, libc::EPOLL_CTL_ADD, r.as_raw_fd(), &mut event) },
        0
    );
    let mut ep = Epoll::from_fd(raw).unwrap();
    assert_eq!(ep.fd().unwrap(), raw);
    assert!(ep.has(r.as_raw_fd()));
    write_byte(&w);
    assert_eq!(ready(&mut ep), [(r.as_raw_fd(), EPOLLIN)]);
    assert_eq!(Epoll::from_fd(raw).unwrap_err(), Error::AlreadyOwned(raw));
}

#[test]
fn from_fd_refuses_fds_that_are_not_epoll_instances() {
    let (r, _w) = pipe();
    assert_eq!(
        Epoll::from_fd(r.as_raw_fd()).unwrap_err(),
        Error::NotEpoll(r.as_raw_fd())
    );
    let Error::Os(e) = Epoll::from_fd(1 << 20).unwrap_err() else {
        panic!()
    };
    assert_eq!(e.code(), "EBADF");
}

#[test]
fn wait_into_writes_fd_event_pairs_and_respects_the_buffer() {
    let mut ep = Epoll::new(true).unwrap();
    let pipes: Vec<_> = (0..3).map(|_| pipe()).collect();
    for (r, w) in &pipes {
        ep.register(r.as_raw_fd(), EPOLLIN).unwrap();
        write_byte(w);
    }
    let mut out = [0u32; 5]; // room for two events; the odd slot stays untouched
    assert_eq!(ep.wait_into(&mut out, Timeout::Immediate).unwrap(), 2);
    assert_eq!(out[1], EPOLLIN);
    assert_eq!(out[4], 0);
    assert_eq!(ep.wait_into(&mut [0u32; 1], Timeout::Immediate).unwrap(), 0);
}

#[test]
fn timeouts_are_honoured() {
    let mut ep = Epoll::new(true).unwrap();
    let start = Instant::now();
    assert!(ep
        .wait(8, Timeout::After(Duration::from_micros(20_500)))
        .unwrap()
        .is_empty());
    assert!(start.elapsed() >= Duration::from_micros(20_500));
}

extern "C" fn ignore_signal(_: libc::c_int) {}

#[test]
fn signals_do_not_end_a_wait_early() {
    // SAFETY: installs a handler that does nothing, without SA_RESTART, so epoll_wait sees EINTR.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = ignore_signal as *const () as usize;
        assert_eq!(
            libc::sigaction(libc::SIGUSR2, &action, std::ptr::null_mut()),
            0
        );
    }
    // SAFETY: pthread_self takes no arguments.
    let waiter = unsafe { libc::pthread_self() };
    let storm = std::thread::spawn(move || {
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(5));
            // SAFETY: `waiter` is alive: it joins this thread before returning.
            unsafe { libc::pthread_kill(waiter, libc::SIGUSR2) };
        }
    });
    let mut ep = Epoll::new(true).unwrap();
    let start = Instant::now();
    let events = ep
        .wait(8, Timeout::After(Duration::from_millis(150)))
        .unwrap();
    storm.join().unwrap();
    assert!(events.is_empty());
    assert!(
        start.elapsed() >= Duration::from_millis(150),
        "{:?}",
        start.elapsed()
    );
}

/// Closes `number` and puts a new pipe's read end under that same number, atomically (dup2), so that
/// no other test thread can take the number in between.
fn reuse_number_for_new_pipe(number: RawFd) -> (OwnedFd, OwnedFd) {
    let (new_r, new_w) = pipe();
    // SAFETY: dup2 atomically closes `number` (which the caller gave up) and reuses it for `new_r`'s
    // file; the result is owned exactly once, below.
    let reused = unsafe { OwnedFd::from_raw_fd(libc::dup2(new_r.as_raw_fd(), number)) };
    (reused, new_w)
}

#[test]
fn a_number_closed_without_unregister_is_not_silently_reused_while_its_file_lives() {
    use std::os::fd::IntoRawFd;
    let mut ep = Epoll::new(true).unwrap();
    let (r, w) = pipe();
    ep.register(r.as_raw_fd(), EPOLLIN).unwrap();
    // SAFETY: dup takes no pointers; the duplicate keeps the pipe's read end (and its registration) alive.
    let duplicate = unsafe { OwnedFd::from_raw_fd(libc::dup(r.as_raw_fd())) };
    let number = r.into_raw_fd();
    let (reused, _new_w) = reuse_number_for_new_pipe(number); // closed without unregister, then reused
    assert_eq!(
        ep.register(reused.as_raw_fd(), EPOLLIN),
        Err(Error::StaleRegistration(number))
    );
    assert!(!ep.has(number), "nothing was registered");
    write_byte(&w);
    // The old registration still reports under the old number; it can only go with its file.
    assert_eq!(ready(&mut ep), [(number, EPOLLIN)]);
    drop(duplicate);
    assert!(ready(&mut ep).is_empty());
    ep.register(reused.as_raw_fd(), EPOLLIN).unwrap();
    assert!(ep.has(number));
}

#[test]
fn a_number_closed_without_unregister_can_be_registered_again_once_its_file_is_gone() {
    use std::os::fd::IntoRawFd;
    let mut ep = Epoll::new(true).unwrap();
    let (r, _w) = pipe();
    ep.register(r.as_raw_fd(), EPOLLIN).unwrap();
    let number = r.into_raw_fd();
    let (reused, _new_w) = reuse_number_for_new_pipe(number);
    ep.register(reused.as_raw_fd(), EPOLLIN).unwrap();
    assert_eq!(ep.size(), 1);
}
