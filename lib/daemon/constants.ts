/**
 * The kernel's `IN_*` inotify flags and the `_IOC` request layout, with the kernel's values.
 *
 * These are typed copies of the Rust core's tables (`crates/epoll-core/src/daemon/inotify.rs`,
 * `crates/epoll-core/src/daemon/ioctl.rs`); `__test__/package/constants-agree.spec.ts` checks every
 * entry against the tables the native binding exports. The `IOC_*` values are the generic layout (`asm-generic/ioctl.h`)
 * of every architecture the package is built for (x86_64, aarch64, armv7, riscv64); powerpc, mips and
 * sparc differ, and {@link ioctlRequest} always uses the layout of the binary that is running.
 */

/** File was read. */
export const IN_ACCESS = 0x1
/** File was written. */
export const IN_MODIFY = 0x2
/** Metadata changed (permissions, timestamps, extended attributes, link count, owner). */
export const IN_ATTRIB = 0x4
/** A file opened for writing was closed: the moment a written file is complete. */
export const IN_CLOSE_WRITE = 0x8
/** A file not opened for writing was closed. */
export const IN_CLOSE_NOWRITE = 0x10
/** `IN_CLOSE_WRITE | IN_CLOSE_NOWRITE`. */
export const IN_CLOSE = 0x18
/** File was opened. */
export const IN_OPEN = 0x20
/** An entry was renamed away from the watched folder (paired with `IN_MOVED_TO` by `cookie`). */
export const IN_MOVED_FROM = 0x40
/** An entry was renamed into the watched folder (paired with `IN_MOVED_FROM` by `cookie`). */
export const IN_MOVED_TO = 0x80
/** `IN_MOVED_FROM | IN_MOVED_TO`. */
export const IN_MOVE = 0xc0
/** An entry was created in the watched folder. */
export const IN_CREATE = 0x100
/** An entry was deleted from the watched folder. */
export const IN_DELETE = 0x200
/** The watched file or folder itself was deleted (an `IN_IGNORED` follows). */
export const IN_DELETE_SELF = 0x400
/** The watched file or folder itself was moved. */
export const IN_MOVE_SELF = 0x800
/** The file system holding the watched object was unmounted (event only). */
export const IN_UNMOUNT = 0x2000
/** The event queue overflowed (`wd` is -1): events were lost (event only). */
export const IN_Q_OVERFLOW = 0x4000
/** The watch was removed (by `removeWatch`, deletion or unmount) (event only). */
export const IN_IGNORED = 0x8000
/** Watch the path only if it is a folder (`ENOTDIR` otherwise). */
export const IN_ONLYDIR = 0x1000000
/** Do not follow a symbolic link at the path. */
export const IN_DONT_FOLLOW = 0x2000000
/** No events for entries after they were unlinked from the watched folder. */
export const IN_EXCL_UNLINK = 0x4000000
/** Fail with `EEXIST` if the path is already watched (Linux >= 4.18). */
export const IN_MASK_CREATE = 0x10000000
/** Add to the mask of an existing watch instead of replacing it. */
export const IN_MASK_ADD = 0x20000000
/** The event's subject is a folder (event only). */
export const IN_ISDIR = 0x40000000
/** Report one event, then remove the watch. */
export const IN_ONESHOT = 0x80000000
/** Every event kind that can be watched. */
export const IN_ALL_EVENTS = 0xfff

/** All `IN_*` flags by name. Frozen. */
export const inotifyConstants = Object.freeze({
  IN_ACCESS,
  IN_MODIFY,
  IN_ATTRIB,
  IN_CLOSE_WRITE,
  IN_CLOSE_NOWRITE,
  IN_CLOSE,
  IN_OPEN,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_MOVE,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_MOVE_SELF,
  IN_UNMOUNT,
  IN_Q_OVERFLOW,
  IN_IGNORED,
  IN_ONLYDIR,
  IN_DONT_FOLLOW,
  IN_EXCL_UNLINK,
  IN_MASK_CREATE,
  IN_MASK_ADD,
  IN_ISDIR,
  IN_ONESHOT,
  IN_ALL_EVENTS,
} as const)

/** `_IOC_NONE`: a request with no argument struct (`_IO`). */
export const IOC_NONE = 0
/** `_IOC_WRITE`: user space writes, the kernel reads the struct (`_IOW`). */
export const IOC_WRITE = 1
/** `_IOC_READ`: the kernel writes the struct, user space reads it (`_IOR`). */
export const IOC_READ = 2
/** Bits of the request number (`_IOC_NRBITS`). */
export const IOC_NRBITS = 8
/** Bits of the request type, the driver's letter (`_IOC_TYPEBITS`). */
export const IOC_TYPEBITS = 8
/** Bits of the struct size (`_IOC_SIZEBITS`): sizes up to 16383 bytes. */
export const IOC_SIZEBITS = 14
/** Bits of the direction (`_IOC_DIRBITS`). */
export const IOC_DIRBITS = 2

/** The `_IOC` layout by name. Frozen. */
export const ioctlConstants = Object.freeze({
  IOC_NONE,
  IOC_WRITE,
  IOC_READ,
  IOC_NRBITS,
  IOC_TYPEBITS,
  IOC_SIZEBITS,
  IOC_DIRBITS,
} as const)
