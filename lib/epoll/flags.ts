/**
 * Every `EPOLL*` flag with the kernel's value, unsigned (`EPOLLET === 0x80000000`).
 *
 * These are the names and values of the Rust core's flag table (`crates/epoll-core/src/epoll/flags.rs`);
 * `__test__/package/constants-agree.spec.ts` checks this typed copy against the table the native binding exports.
 * The copy exists so that the values have literal types and stay importable where the binding cannot
 * load (other platforms).
 */
/** The fd is readable (or a peer connected to a listening socket, or the peer closed: a read returns 0). */
export const EPOLLIN = 0x001
/**
 * Urgent data or an exceptional condition (TCP out-of-band data, a cgroup event, a sysfs attribute
 * change).
 */
export const EPOLLPRI = 0x002
/** The fd is writable. */
export const EPOLLOUT = 0x004
/**
 * An error on the fd (a pipe whose read end closed, a failed connect). Always reported: no need to ask for
 * it.
 */
export const EPOLLERR = 0x008
/** Hang-up: the peer closed (both halves of a socket, every writer of a pipe). Always reported. */
export const EPOLLHUP = 0x010
/** Normal data readable: the same as `EPOLLIN` for sockets and pipes. */
export const EPOLLRDNORM = 0x040
/** Priority-band data readable (rare; for STREAMS-style devices). */
export const EPOLLRDBAND = 0x080
/** Normal data writable: the same as `EPOLLOUT` for sockets and pipes. */
export const EPOLLWRNORM = 0x100
/** Priority-band data writable (rare). */
export const EPOLLWRBAND = 0x200
/** Defined by the kernel headers and never reported by Linux. */
export const EPOLLMSG = 0x400
/** The stream socket peer shut down its writing half: the end of input, without a read returning 0. */
export const EPOLLRDHUP = 0x2000
/**
 * Wake only one of the epoll instances waiting on this fd (avoids a thundering herd). `register` only:
 * `modify` refuses it with `EINVAL`.
 */
export const EPOLLEXCLUSIVE = 0x10000000
/**
 * Keep the system from suspending while the event is pending. Needs `CAP_BLOCK_SUSPEND`; silently ignored
 * without it.
 */
export const EPOLLWAKEUP = 0x20000000
/** Report the fd once, then disarm it until `modify` re-arms it. */
export const EPOLLONESHOT = 0x40000000
/**
 * Edge-triggered: report a change of readiness once, instead of as long as the fd stays ready. Read or
 * write until `EAGAIN`.
 */
export const EPOLLET = 0x80000000

/** All flags by name, in bit order. Frozen. */
export const constants = Object.freeze({
  /** {@link EPOLLIN} */
  EPOLLIN,
  /** {@link EPOLLPRI} */
  EPOLLPRI,
  /** {@link EPOLLOUT} */
  EPOLLOUT,
  /** {@link EPOLLERR} */
  EPOLLERR,
  /** {@link EPOLLHUP} */
  EPOLLHUP,
  /** {@link EPOLLRDNORM} */
  EPOLLRDNORM,
  /** {@link EPOLLRDBAND} */
  EPOLLRDBAND,
  /** {@link EPOLLWRNORM} */
  EPOLLWRNORM,
  /** {@link EPOLLWRBAND} */
  EPOLLWRBAND,
  /** {@link EPOLLMSG} */
  EPOLLMSG,
  /** {@link EPOLLRDHUP} */
  EPOLLRDHUP,
  /** {@link EPOLLEXCLUSIVE} */
  EPOLLEXCLUSIVE,
  /** {@link EPOLLWAKEUP} */
  EPOLLWAKEUP,
  /** {@link EPOLLONESHOT} */
  EPOLLONESHOT,
  /** {@link EPOLLET} */
  EPOLLET,
} as const)

/** The name of one flag, e.g. `'EPOLLIN'`. */
export type EpollFlagName = keyof typeof constants

/**
 * What `register()` watches when no mask is given: `EPOLLIN | EPOLLPRI | EPOLLOUT`, as Python. A typed
 * copy of the core's `DEFAULT_EVENTS` (checked against the binding's `constantTable()` by a spec).
 */
export const DEFAULT_EVENTS = EPOLLIN | EPOLLPRI | EPOLLOUT
