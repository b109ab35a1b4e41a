//! The one flag vocabulary: every `EPOLL*` bit with the kernel's value, by its kernel name.
//!
//! The binding exports [`FLAGS`] as `constantTables().epoll`; the TypeScript layer's typed copy is
//! checked against every entry of it by one spec, so the names and values are the same in Rust, in
//! the binding and in TypeScript.

pub const EPOLLIN: u32 = libc::EPOLLIN as u32;
pub const EPOLLPRI: u32 = libc::EPOLLPRI as u32;
pub const EPOLLOUT: u32 = libc::EPOLLOUT as u32;
pub const EPOLLERR: u32 = libc::EPOLLERR as u32;
pub const EPOLLHUP: u32 = libc::EPOLLHUP as u32;
pub const EPOLLRDNORM: u32 = libc::EPOLLRDNORM as u32;
pub const EPOLLRDBAND: u32 = libc::EPOLLRDBAND as u32;
pub const EPOLLWRNORM: u32 = libc::EPOLLWRNORM as u32;
pub const EPOLLWRBAND: u32 = libc::EPOLLWRBAND as u32;
pub const EPOLLMSG: u32 = libc::EPOLLMSG as u32;
pub const EPOLLRDHUP: u32 = libc::EPOLLRDHUP as u32;
pub const EPOLLEXCLUSIVE: u32 = libc::EPOLLEXCLUSIVE as u32;
pub const EPOLLWAKEUP: u32 = libc::EPOLLWAKEUP as u32;
pub const EPOLLONESHOT: u32 = libc::EPOLLONESHOT as u32;
pub const EPOLLET: u32 = libc::EPOLLET as u32;

/// Every flag, in bit order, by its kernel name.
pub const FLAGS: [(&str, u32); 15] = [
    ("EPOLLIN", EPOLLIN),
    ("EPOLLPRI", EPOLLPRI),
    ("EPOLLOUT", EPOLLOUT),
    ("EPOLLERR", EPOLLERR),
    ("EPOLLHUP", EPOLLHUP),
    ("EPOLLRDNORM", EPOLLRDNORM),
    ("EPOLLRDBAND", EPOLLRDBAND),
    ("EPOLLWRNORM", EPOLLWRNORM),
    ("EPOLLWRBAND", EPOLLWRBAND),
    ("EPOLLMSG", EPOLLMSG),
    ("EPOLLRDHUP", EPOLLRDHUP),
    ("EPOLLEXCLUSIVE", EPOLLEXCLUSIVE),
    ("EPOLLWAKEUP", EPOLLWAKEUP),
    ("EPOLLONESHOT", EPOLLONESHOT),
    ("EPOLLET", EPOLLET),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_have_the_kernels_values() {
        let expected = [
            1,
            2,
            4,
            8,
            0x10,
            0x40,
            0x80,
            0x100,
            0x200,
            0x400,
            0x2000,
            1 << 28,
            1 << 29,
            1 << 30,
            1 << 31,
        ];
        let values: Vec<u32> = FLAGS.iter().map(|(_, v)| *v).collect();
        assert_eq!(values, expected);
        assert_eq!(EPOLLET, 0x8000_0000);
    }
}
