//! Reads and writes on any fd (sockets, pipes, eventfd, timerfd) straight into caller memory,
//! vectored ones, `close`, and non-blocking pipes.

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use crate::error::OsError;
use crate::sys::retry;
use crate::sys::{cvt, cvt_size, raw_syscall};

/// `read(2)`: `Some(n)` bytes read (0 at end of file), `None` when nothing is available yet.
pub fn read(fd: RawFd, buf: &mut [u8]) -> Result<Option<usize>, OsError> {
    retry(|| {
        let args = [
            fd as libc::c_long,
            buf.as_mut_ptr() as libc::c_long,
            buf.len() as libc::c_long,
            0,
            0,
            0,
        ];
        // SAFETY: read(fd, buf, len): `buf` is valid for writes of `buf.len()` bytes for the whole call.
        cvt_size(unsafe { raw_syscall(libc::SYS_read, args) }, "read")
    })
}

/// `write(2)`: `Some(n)` bytes written (possibly fewer than asked), `None` when the fd is full.
/// Writing to a peer that is gone fails with EPIPE (Node ignores SIGPIPE, as does Rust's runtime).
pub fn write(fd: RawFd, buf: &[u8]) -> Result<Option<usize>, OsError> {
    retry(|| {
        let args = [
            fd as libc::c_long,
            buf.as_ptr() as libc::c_long,
            buf.len() as libc::c_long,
            0,
            0,
            0,
        ];
        // SAFETY: write(fd, buf, len): `buf` is valid for reads of `buf.len()` bytes for the whole call.
        cvt_size(unsafe { raw_syscall(libc::SYS_write, args) }, "write")
    })
}

/// `readv(2)`: fills the buffers in order; `Some(0)` at end of file.
pub fn readv(fd: RawFd, bufs: &mut [IoSliceMut<'_>]) -> Result<Option<usize>, OsError> {
    let count = iov_count(bufs.len(), "readv")?;
    retry(|| {
        // SAFETY: `IoSliceMut` is ABI-compatible with `struct iovec` on Unix, and every slice is
        // valid for writes for the whole call.
        cvt_size(
            unsafe { libc::readv(fd, bufs.as_ptr().cast(), count) },
            "readv",
        )
    })
}

/// `writev(2)`: writes the buffers in order, possibly only a prefix of them.
pub fn writev(fd: RawFd, bufs: &[IoSlice<'_>]) -> Result<Option<usize>, OsError> {
    let count = iov_count(bufs.len(), "writev")?;
    retry(|| {
        // SAFETY: `IoSlice` is ABI-compatible with `struct iovec` on Unix, and every slice is valid
        // for reads for the whole call.
        cvt_size(
            unsafe { libc::writev(fd, bufs.as_ptr().cast(), count) },
            "writev",
        )
    })
}

/// The most buffers one `readv`/`writev` takes: the kernel's `UIO_MAXIOV` (what POSIX calls
/// `IOV_MAX`, which libc does not export for Linux).
pub const IOV_MAX: usize = libc::UIO_MAXIOV as usize;

fn iov_count(len: usize, syscall: &'static str) -> Result<libc::c_int, OsError> {
    // The kernel refuses more than IOV_MAX buffers with EINVAL; say so before calling.
    if len > IOV_MAX {
        return Err(
            OsError::new(libc::EINVAL, syscall).with_detail(format!("{len} buffers > IOV_MAX"))
        );
    }
    Ok(len as libc::c_int)
}

/// `close(2)`. An EINTR is not retried: on Linux the fd is released whatever close returns, and a
/// second close could hit an fd another thread just opened with the same number.
pub fn close(fd: RawFd) -> Result<(), OsError> {
    // SAFETY: close takes no pointers; the caller gives up `fd`.
    match cvt(unsafe { libc::close(fd) }, "close") {
        Err(e) if e.errno != libc::EINTR => Err(e.with_detail(format!("fd {fd}"))),
        _ => Ok(()),
    }
}

/// `pipe2(O_NONBLOCK | O_CLOEXEC)`: `(read end, write end)`.
pub fn pipe() -> Result<(OwnedFd, OwnedFd), OsError> {
    pipe_with(true)
}

/// `pipe2(O_CLOEXEC)`, with `O_NONBLOCK` when `non_blocking`: a blocking pipe is for handing to a
/// program that expects one (the flag belongs to the open file, so it travels with the fd).
pub fn pipe_with(non_blocking: bool) -> Result<(OwnedFd, OwnedFd), OsError> {
    let mut fds = [-1 as libc::c_int; 2];
    let flags = libc::O_CLOEXEC | if non_blocking { libc::O_NONBLOCK } else { 0 };
    cvt(
        // SAFETY: `fds` has room for the two fds pipe2 writes.
        unsafe { libc::pipe2(fds.as_mut_ptr(), flags) },
        "pipe",
    )?;
    // SAFETY: pipe2 just returned these two fds; nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn a_pipe_carries_bytes_and_reports_would_block_and_eof() {
        let (r, w) = pipe().unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(
            read(r.as_raw_fd(), &mut buf).unwrap(),
            None,
            "empty pipe would block"
        );
        assert_eq!(write(w.as_raw_fd(), b"hello").unwrap(), Some(5));
        assert_eq!(read(r.as_raw_fd(), &mut buf).unwrap(), Some(5));
        assert_eq!(&buf[..5], b"hello");
        drop(w);
        assert_eq!(
            read(r.as_raw_fd(), &mut buf).unwrap(),
            Some(0),
            "EOF once the writer is gone"
        );
    }

    #[test]
    fn pipe_fds_are_non_blocking_and_close_on_exec() {
        let (r, w) = pipe().unwrap();
        for fd in [r.as_raw_fd(), w.as_raw_fd()] {
            // SAFETY: fcntl with F_GETFL/F_GETFD takes no pointers.
            let (fl, fdf) = unsafe {
                (
                    libc::fcntl(fd, libc::F_GETFL),
                    libc::fcntl(fd, libc::F_GETFD),
                )
            };
            assert_ne!(fl & libc::O_NONBLOCK, 0);
            assert_ne!(fdf & libc::FD_CLOEXEC, 0);
        }
    }

    #[test]
    fn a_full_pipe_would_block_after_a_partial_write() {
        let (_r, w) = pipe().unwrap();
        let chunk = vec![7u8; 1 << 20];
        let mut total = 0;
        while let Some(n) = write(w.as_raw_fd(), &chunk).unwrap() {
            total += n;
        }
        assert!(
            total >= 4096,
            "the pipe took {total} bytes before filling up"
        );
    }

    #[test]
    fn vectored_io_gathers_and_scatters() {
        let (r, w) = pipe().unwrap();
        let n = writev(w.as_raw_fd(), &[IoSlice::new(b"ab"), IoSlice::new(b"cde")]).unwrap();
        assert_eq!(n, Some(5));
        let (mut a, mut b) = ([0u8; 3], [0u8; 3]);
        let n = readv(
            r.as_raw_fd(),
            &mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)],
        )
        .unwrap();
        assert_eq!(n, Some(5));
        assert_eq!((&a, &b[..2]), (b"abc", &b"de"[..]));
    }

    #[test]
    fn writing_to_a_pipe_without_reader_is_epipe() {
        let (r, w) = pipe().unwrap();
        drop(r);
        let err = write(w.as_raw_fd(), b"x").unwrap_err();
        assert_eq!((err.errno, err.syscall), (libc::EPIPE, "write"));
    }

    #[test]
    fn closing_an_fd_that_is_not_open_is_ebadf() {
        // A number far above the open-files limit: closing it can never hit another test's fd.
        let err = close(i32::MAX).unwrap_err();
        assert_eq!((err.code(), err.syscall), ("EBADF".to_owned(), "close"));
    }
}
