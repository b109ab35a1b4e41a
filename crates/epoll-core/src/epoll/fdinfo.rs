//! What `/proc` says about an epoll fd: whether it is one, and the registrations it holds.

use std::collections::HashMap;
use std::os::fd::RawFd;

/// Whether `fd` is an epoll instance: its `/proc/self/fd` link names `anon_inode:[eventpoll]`.
/// Without `/proc` the check cannot be made, and the fd is trusted.
pub(crate) fn is_epoll_fd(fd: RawFd) -> bool {
    match std::fs::read_link(format!("/proc/self/fd/{fd}")) {
        Ok(target) => target.as_os_str() == "anon_inode:[eventpoll]",
        Err(_) => std::fs::metadata("/proc/self/fd").is_err(),
    }
}

/// The registrations the kernel lists for epoll fd `fd` (`tfd: <fd> events: <hex> ...` lines).
pub(crate) fn registered_in_fdinfo(fd: RawFd) -> HashMap<RawFd, u32> {
    fdinfo_registrations(fd).collect()
}

pub(crate) fn fdinfo_registrations(fd: RawFd) -> impl Iterator<Item = (RawFd, u32)> {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).unwrap_or_default();
    let entries: Vec<(RawFd, u32)> = info
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            if words.next()? != "tfd:" {
                return None;
            }
            let target = words.next()?.parse().ok()?;
            if words.next()? != "events:" {
                return None;
            }
            let events = u32::from_str_radix(words.next()?, 16).ok()?;
            Some((target, events))
        })
        .collect();
    entries.into_iter()
}
