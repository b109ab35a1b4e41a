/**
 * Every `EPOLL*` flag with the kernel's value, unsigned (`EPOLLET === 0x80000000`).
 *
 * These are the names and values of the Rust core's flag table (`crates/epoll-core/src/flags.rs`);
 * `__test__/constants.spec.ts` checks this typed copy against the table the native binding exports.
 * The copy exists so that the values have literal types and stay importable where the binding cannot
 * load (other platforms).
 */
export const EPOLLIN = 0x001
export const EPOLLPRI = 0x002
export const EPOLLOUT = 0x004
export const EPOLLERR = 0x008
export const EPOLLHUP = 0x010
export const EPOLLRDNORM = 0x040
export const EPOLLRDBAND = 0x080
export const EPOLLWRNORM = 0x100
export const EPOLLWRBAND = 0x200
export const EPOLLMSG = 0x400
export const EPOLLRDHUP = 0x2000
export const EPOLLEXCLUSIVE = 0x10000000
export const EPOLLWAKEUP = 0x20000000
export const EPOLLONESHOT = 0x40000000
export const EPOLLET = 0x80000000

/** All flags by name, in bit order. Frozen. */
export const constants = Object.freeze({
  EPOLLIN,
  EPOLLPRI,
  EPOLLOUT,
  EPOLLERR,
  EPOLLHUP,
  EPOLLRDNORM,
  EPOLLRDBAND,
  EPOLLWRNORM,
  EPOLLWRBAND,
  EPOLLMSG,
  EPOLLRDHUP,
  EPOLLEXCLUSIVE,
  EPOLLWAKEUP,
  EPOLLONESHOT,
  EPOLLET,
} as const)

/** The name of one flag, e.g. `'EPOLLIN'`. */
export type EpollFlagName = keyof typeof constants

/** What `register()` watches when no mask is given: `EPOLLIN | EPOLLPRI | EPOLLOUT`, as Python. */
export const DEFAULT_EVENTS = EPOLLIN | EPOLLPRI | EPOLLOUT
