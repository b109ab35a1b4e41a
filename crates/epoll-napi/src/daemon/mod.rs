//! The daemon room of the binding: fd passing (`fdpass.rs`), inotify, ioctl, process fds (`pidfd.rs`)
//! and systemd, each a thin conversion around the core's `daemon` module.

mod fdpass;
mod inotify;
mod ioctl;
mod pidfd;
mod systemd;
