//! `ioctl(2)` with an integer or a byte buffer, and the kernel's `_IOC` request encoding.
//!
//! The layout of a request number (`dir | size | type | nr`) is the kernel's for the target
//! architecture: `asm-generic/ioctl.h` on x86, arm, riscv and most others; 13 size bits and 3
//! direction bits on powerpc, mips and sparc (the same split `libc` uses for its `_IOW`).

use std::os::fd::RawFd;

use crate::error::OsError;
use crate::sys::cvt;

/// The `_IOC` field widths and direction values of the target architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IocLayout {
    pub nr_bits: u32,
    pub type_bits: u32,
    pub size_bits: u32,
    pub dir_bits: u32,
    /// `_IOC_NONE`: the argument is not a pointer the kernel follows (or the request encodes nothing).
    pub none: u32,
    /// `_IOC_WRITE`: user space writes, the kernel reads the struct (`_IOW`).
    pub write: u32,
    /// `_IOC_READ`: the kernel writes the struct, user space reads it (`_IOR`).
    pub read: u32,
}

#[cfg(any(
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "sparc",
    target_arch = "sparc64",
    target_arch = "mips",
    target_arch = "mips64"
))]
pub const IOC: IocLayout = IocLayout {
    nr_bits: 8,
    type_bits: 8,
    size_bits: 13,
    dir_bits: 3,
    none: 1,
    write: 4,
    read: 2,
};

#[cfg(not(any(
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "sparc",
    target_arch = "sparc64",
    target_arch = "mips",
    target_arch = "mips64"
)))]
pub const IOC: IocLayout = IocLayout {
    nr_bits: 8,
    type_bits: 8,
    size_bits: 14,
    dir_bits: 2,
    none: 0,
    write: 1,
    read: 2,
};

/// The `_IOC` layout of this build's architecture by name: the direction values and the field
/// widths (libc exports neither, only requests built with them). The binding exports this table as
/// `constantTables().ioctl`; the TypeScript copy is checked against every entry of it by one spec.
pub const IOCTL_CONSTANTS: [(&str, u32); 7] = [
    ("IOC_NONE", IOC.none),
    ("IOC_WRITE", IOC.write),
    ("IOC_READ", IOC.read),
    ("IOC_NRBITS", IOC.nr_bits),
    ("IOC_TYPEBITS", IOC.type_bits),
    ("IOC_SIZEBITS", IOC.size_bits),
    ("IOC_DIRBITS", IOC.dir_bits),
];

impl IocLayout {
    const fn size_shift(&self) -> u32 {
        self.nr_bits + self.type_bits
    }

    const fn dir_shift(&self) -> u32 {
        self.size_shift() + self.size_bits
    }

    /// The largest struct size a request can encode (`_IOC_SIZEMASK`).
    pub const fn max_size(&self) -> u32 {
        (1 << self.size_bits) - 1
    }

    /// `_IOC(dir, type, nr, size)`; `None` when a field does not fit its bits.
    pub fn request(&self, dir: u32, ty: u32, nr: u32, size: u32) -> Option<u32> {
        let fits = |value: u32, bits: u32| value < (1 << bits);
        if !(fits(dir, self.dir_bits)
            && fits(ty, self.type_bits)
            && fits(nr, self.nr_bits)
            && size <= self.max_size())
        {
            return None;
        }
        Some((dir << self.dir_shift()) | (size << self.size_shift()) | (ty << self.nr_bits) | nr)
    }

    /// `_IOC_DIR(request)`.
    pub fn direction(&self, request: u32) -> u32 {
        (request >> self.dir_shift()) & ((1 << self.dir_bits) - 1)
    }

    /// How many bytes the request says the kernel reads or writes (`_IOC_SIZE`), 0 for a request
    /// with no direction (`_IO`, or an old unencoded number such as `FIONREAD`, whose real size the
    /// number does not tell).
    pub fn size(&self, request: u32) -> usize {
        if self.direction(request) == self.none {
            return 0;
        }
        ((request >> self.size_shift()) & self.max_size()) as usize
    }
}

/// `ioctl(fd, request, arg)` with an integer argument; returns the kernel's non-negative result.
///
/// # Safety
/// Many requests take a pointer: the kernel then reads or writes memory at the address `arg`.
/// The caller must know that `request` takes its argument by value (`TUNSETPERSIST`, `FIONBIO`
/// takes a pointer and is *not* such a request).
pub unsafe fn ioctl_value(fd: RawFd, request: u32, arg: libc::c_ulong) -> Result<i32, OsError> {
    // SAFETY: the caller vouches that `request` does not dereference `arg`.
    cvt(unsafe { libc::ioctl(fd, request as _, arg) }, "ioctl")
        .map_err(|e| e.with_detail(format!("fd {fd}, request 0x{request:x}")))
}

/// A bounce buffer at least this large stands between the kernel and the caller's bytes: like
/// CPython's `fcntl.ioctl`, a struct the kernel writes that is somewhat larger than the caller's
/// view lands in zeroed padding instead of in memory after the view.
pub const IOCTL_BOUNCE_MIN: usize = 1024;

/// `ioctl(fd, request, buf)`: the kernel reads and/or writes `buf` (through a zero-padded copy of
/// at least [`IOCTL_BOUNCE_MIN`] bytes, copied back afterwards); returns the kernel's result.
/// Refused with `EINVAL` before the call when `buf` is smaller than the size the request encodes.
///
/// # Safety
/// The kernel trusts the request, not the buffer: the struct it names must fit in
/// `max(buf.len(), IOCTL_BOUNCE_MIN)` bytes, and must not hold pointers (the kernel would follow
/// them). Requests that are not encoded with a size (`FIONREAD`, `TIOCGWINSZ`) are the caller's
/// word alone.
pub unsafe fn ioctl_buffer(fd: RawFd, request: u32, buf: &mut [u8]) -> Result<i32, OsError> {
    let needed = IOC.size(request);
    if buf.len() < needed {
        return Err(OsError::new(libc::EINVAL, "ioctl").with_detail(format!(
            "request 0x{request:x} needs {needed} bytes, the buffer has {}",
            buf.len()
        )));
    }
    let mut bounce = vec![0u8; buf.len().max(IOCTL_BOUNCE_MIN)];
    bounce[..buf.len()].copy_from_slice(buf);
    // SAFETY: `bounce` is valid for reads and writes of its length for the whole call; the caller
    // vouches that the request's struct fits in it and holds no pointers.
    let ret = cvt(
        unsafe { libc::ioctl(fd, request as _, bounce.as_mut_ptr()) },
        "ioctl",
    )
    .map_err(|e| e.with_detail(format!("fd {fd}, request 0x{request:x}")))?;
    buf.copy_from_slice(&bounce[..buf.len()]);
    Ok(ret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{pipe, write};
    use std::os::fd::AsRawFd;

    #[test]
    fn requests_are_encoded_as_the_kernel_and_libc_encode_them() {
        // EPIOCSPARAMS = _IOW(0x8A, 1, struct epoll_params) and EPIOCGPARAMS = _IOR(0x8A, 2, ...).
        let size = std::mem::size_of::<libc::epoll_params>() as u32;
        assert_eq!(
            IOC.request(IOC.write, 0x8A, 1, size),
            Some(libc::EPIOCSPARAMS as u32)
        );
        assert_eq!(
            IOC.request(IOC.read, 0x8A, 2, size),
            Some(libc::EPIOCGPARAMS as u32)
        );
        // EVIOCGVERSION = _IOR('E', 0x01, int), from the input subsystem's header.
        #[cfg(not(any(
            target_arch = "powerpc64",
            target_arch = "mips64",
            target_arch = "sparc64"
        )))]
        assert_eq!(IOC.request(IOC.read, b'E' as u32, 1, 4), Some(0x8004_4501));
        assert_eq!(IOC.request(IOC.none, 0x1000, 0, 0), None, "type has 8 bits");
        assert_eq!(IOC.request(IOC.none, 1, 0, IOC.max_size() + 1), None);
    }

    #[test]
    fn the_size_of_a_request_is_read_back_and_unencoded_requests_have_none() {
        assert_eq!(IOC.size(libc::EPIOCGPARAMS as u32), 8);
        assert_eq!(IOC.size(libc::FIONREAD as u32), 0);
        assert_eq!(IOC.direction(libc::EPIOCGPARAMS as u32), IOC.read);
    }

    #[test]
    fn fionread_counts_the_bytes_a_pipe_holds() {
        let (r, w) = pipe().unwrap();
        write(w.as_raw_fd(), b"hello").unwrap();
        let mut count = [0u8; 4];
        // SAFETY: FIONREAD writes one int.
        let ret = unsafe { ioctl_buffer(r.as_raw_fd(), libc::FIONREAD as u32, &mut count) };
        assert_eq!(ret, Ok(0));
        assert_eq!(i32::from_ne_bytes(count), 5);
    }

    #[test]
    fn a_buffer_smaller_than_the_encoded_size_is_refused_before_the_call() {
        let (r, _w) = pipe().unwrap();
        let mut small = [0u8; 4];
        // SAFETY: refused before the system call.
        let err = unsafe { ioctl_buffer(r.as_raw_fd(), libc::EPIOCGPARAMS as u32, &mut small) }
            .unwrap_err();
        assert_eq!(err.errno, libc::EINVAL);
        assert!(err.detail.unwrap().contains("needs 8 bytes"));
    }

    #[test]
    fn an_unknown_request_is_the_kernels_enotty() {
        let (r, _w) = pipe().unwrap();
        // SAFETY: _IO('x', 0x7f) takes no argument and a pipe knows no such request.
        let err = unsafe {
            ioctl_value(
                r.as_raw_fd(),
                IOC.request(IOC.none, b'x' as u32, 0x7f, 0).unwrap(),
                0,
            )
        }
        .unwrap_err();
        assert_eq!(err.errno, libc::ENOTTY);
        assert_eq!(err.syscall, "ioctl");
    }
}
