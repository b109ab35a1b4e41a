//! `inotify(7)`: file-system events on a readable fd, with the kernel's exact event kinds
//! (`IN_CLOSE_WRITE`, rename cookies), which `fs.watch` does not give.

use std::ffi::CString;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::error::OsError;
use crate::sys::retry;
use crate::sys::{cvt, cvt_size};

/// The kernel's `IN_*` values by name (masks for `add_watch`, bits of an event's `mask`), from
/// `libc`. The binding exports this table as `constantTables().inotify`; the TypeScript copy is
/// checked against every entry of it by one spec.
pub const INOTIFY_FLAGS: [(&str, u32); 25] = [
    ("IN_ACCESS", libc::IN_ACCESS),
    ("IN_MODIFY", libc::IN_MODIFY),
    ("IN_ATTRIB", libc::IN_ATTRIB),
    ("IN_CLOSE_WRITE", libc::IN_CLOSE_WRITE),
    ("IN_CLOSE_NOWRITE", libc::IN_CLOSE_NOWRITE),
    ("IN_CLOSE", libc::IN_CLOSE),
    ("IN_OPEN", libc::IN_OPEN),
    ("IN_MOVED_FROM", libc::IN_MOVED_FROM),
    ("IN_MOVED_TO", libc::IN_MOVED_TO),
    ("IN_MOVE", libc::IN_MOVE),
    ("IN_CREATE", libc::IN_CREATE),
    ("IN_DELETE", libc::IN_DELETE),
    ("IN_DELETE_SELF", libc::IN_DELETE_SELF),
    ("IN_MOVE_SELF", libc::IN_MOVE_SELF),
    ("IN_UNMOUNT", libc::IN_UNMOUNT),
    ("IN_Q_OVERFLOW", libc::IN_Q_OVERFLOW),
    ("IN_IGNORED", libc::IN_IGNORED),
    ("IN_ONLYDIR", libc::IN_ONLYDIR),
    ("IN_DONT_FOLLOW", libc::IN_DONT_FOLLOW),
    ("IN_EXCL_UNLINK", libc::IN_EXCL_UNLINK),
    ("IN_MASK_CREATE", libc::IN_MASK_CREATE),
    ("IN_MASK_ADD", libc::IN_MASK_ADD),
    ("IN_ISDIR", libc::IN_ISDIR),
    ("IN_ONESHOT", libc::IN_ONESHOT),
    ("IN_ALL_EVENTS", libc::IN_ALL_EVENTS),
];

/// A non-blocking, close-on-exec inotify instance.
pub fn inotify() -> Result<OwnedFd, OsError> {
    // SAFETY: inotify_init1 takes no pointers.
    let fd = cvt(
        unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) },
        "inotify_init1",
    )?;
    // SAFETY: inotify_init1 just returned this fd; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn c_path(path: &Path, syscall: &'static str) -> Result<CString, OsError> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| OsError::new(libc::EINVAL, syscall).with_detail("the path holds a NUL byte"))
}

/// `inotify_add_watch`: the watch descriptor (the same one again for a path already watched).
pub fn add_watch(fd: RawFd, path: &Path, mask: u32) -> Result<i32, OsError> {
    let c = c_path(path, "inotify_add_watch")?;
    // SAFETY: `c` is a NUL-terminated string alive across the call.
    cvt(
        unsafe { libc::inotify_add_watch(fd, c.as_ptr(), mask) },
        "inotify_add_watch",
    )
    .map_err(|e| e.with_detail(format!("{}", path.display())))
}

/// `inotify_rm_watch`; the kernel then queues one `IN_IGNORED` event for `wd`.
pub fn remove_watch(fd: RawFd, wd: i32) -> Result<(), OsError> {
    cvt(
        // SAFETY: inotify_rm_watch takes no pointers.
        unsafe { libc::inotify_rm_watch(fd, wd) },
        "inotify_rm_watch",
    )
    .map_err(|e| e.with_detail(format!("fd {fd}, wd {wd}")))?;
    Ok(())
}

/// One event. `name` is the entry's name inside a watched folder (empty for the watched path
/// itself), as bytes: file names need not be UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InotifyEvent {
    pub wd: i32,
    pub mask: u32,
    /// Pairs an `IN_MOVED_FROM` with its `IN_MOVED_TO`; 0 otherwise.
    pub cookie: u32,
    pub name: Vec<u8>,
}

/// Large enough for many events per read, and always for the largest single one
/// (`sizeof(struct inotify_event) + NAME_MAX + 1`).
const READ_BUFFER: usize = 64 * 1024;

/// Reads every event queued now (one `read`); `Ok(None)` when none is.
pub fn read_events(fd: RawFd) -> Result<Option<Vec<InotifyEvent>>, OsError> {
    // u32 words: `struct inotify_event` is 4-byte aligned and each record keeps that alignment.
    let mut buf = vec![0u32; READ_BUFFER / 4];
    let Some(n) = retry(|| {
        // SAFETY: `buf` is valid for writes of READ_BUFFER bytes.
        cvt_size(
            unsafe { libc::read(fd, buf.as_mut_ptr().cast(), READ_BUFFER) },
            "read",
        )
    })
    .map_err(|e| e.with_detail(format!("inotify fd {fd}")))?
    else {
        return Ok(None);
    };
    // SAFETY: the first `n <= READ_BUFFER` bytes were just written by the kernel.
    let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
    Ok(Some(parse(bytes)))
}

/// Splits the kernel's records: a fixed header, then `len` bytes of NUL-padded name. A record whose
/// `len` runs past the bytes ends the list (the kernel never writes one; the fuzz target does).
pub(crate) fn parse(mut bytes: &[u8]) -> Vec<InotifyEvent> {
    const HEADER: usize = size_of::<libc::inotify_event>();
    let word = |b: &[u8], at: usize| u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let mut events = Vec::new();
    while bytes.len() >= HEADER {
        let len = word(bytes, 12) as usize;
        let Some(name) = HEADER
            .checked_add(len)
            .and_then(|end| bytes.get(HEADER..end))
        else {
            break;
        };
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        events.push(InotifyEvent {
            wd: word(bytes, 0) as i32,
            mask: word(bytes, 4),
            cookie: word(bytes, 8),
            name: name[..end].to_vec(),
        });
        bytes = &bytes[HEADER + len..];
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("epoll-core-inotify-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir(&dir).unwrap();
        dir
    }

    #[test]
    fn create_write_close_and_rename_arrive_in_order_with_one_cookie_for_the_rename() {
        use std::os::fd::AsRawFd;
        let dir = temp_dir("events");
        let fd = inotify().unwrap();
        let mask = libc::IN_CREATE | libc::IN_MODIFY | libc::IN_CLOSE_WRITE | libc::IN_MOVE;
        let wd = add_watch(fd.as_raw_fd(), &dir, mask).unwrap();
        assert_eq!(read_events(fd.as_raw_fd()).unwrap(), None);
        fs::write(dir.join("a"), b"1").unwrap();
        fs::rename(dir.join("a"), dir.join("b")).unwrap();
        let events = read_events(fd.as_raw_fd()).unwrap().unwrap();
        let kinds: Vec<(u32, &[u8])> = events.iter().map(|e| (e.mask, &e.name[..])).collect();
        assert_eq!(
            kinds,
            [
                (libc::IN_CREATE, &b"a"[..]),
                (libc::IN_MODIFY, b"a"),
                (libc::IN_CLOSE_WRITE, b"a"),
                (libc::IN_MOVED_FROM, b"a"),
                (libc::IN_MOVED_TO, b"b"),
            ]
        );
        assert!(events.iter().all(|e| e.wd == wd));
        assert_ne!(events[3].cookie, 0);
        assert_eq!(events[3].cookie, events[4].cookie);
        remove_watch(fd.as_raw_fd(), wd).unwrap();
        let ignored = read_events(fd.as_raw_fd()).unwrap().unwrap();
        assert_eq!(ignored[0].mask, libc::IN_IGNORED);
        assert_eq!(
            remove_watch(fd.as_raw_fd(), wd).unwrap_err().errno,
            libc::EINVAL
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_path_is_enoent_and_a_nul_byte_einval() {
        use std::os::fd::AsRawFd;
        let fd = inotify().unwrap();
        let err =
            add_watch(fd.as_raw_fd(), Path::new("/nonexistent/x"), libc::IN_CREATE).unwrap_err();
        assert_eq!(
            (err.errno, err.syscall),
            (libc::ENOENT, "inotify_add_watch")
        );
        let err = add_watch(fd.as_raw_fd(), Path::new("a\0b"), libc::IN_CREATE).unwrap_err();
        assert_eq!(err.errno, libc::EINVAL);
    }
}
