//! What Linux daemons need beside sockets: passing fds over unix sockets, inotify, ioctl, process
//! fds and systemd's socket activation and notification.

pub(crate) mod fdpass;
pub(crate) mod inotify;
mod ioctl;
mod pidfd;
pub(crate) mod systemd;

pub use fdpass::{peer_credentials, recv_fds, send_fds, Credentials, ReceivedFds, SCM_MAX_FD};
pub use inotify::{add_watch, inotify, read_events, remove_watch, InotifyEvent, INOTIFY_FLAGS};
pub use ioctl::{ioctl_buffer, ioctl_value, IocLayout, IOC, IOCTL_BOUNCE_MIN, IOCTL_CONSTANTS};
pub use pidfd::{pidfd_open, pidfd_send_signal};
pub use systemd::{listen_fds, notify, LISTEN_FDS_START, UNKNOWN_NAME};
