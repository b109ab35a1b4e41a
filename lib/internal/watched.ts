/**
 * The one hook between an object that owns an fd (`Socket`) and the `Epoll`s that watch it: an
 * `Epoll` handed such an object (not its number) tells it so, and the object, when it closes,
 * unregisters itself from each of them first, so that its number, reused by the next open, can
 * never receive the old handler. The symbol also marks the object for `validateFd`, which then says
 * "closed" rather than "out of range" for its `fd` of -1.
 */

/** The method an fd-owning object implements to hear which `Epoll` watches it. */
export const kWatchedBy = Symbol('epoll-napi.watchedBy')

/** An object that owns an fd and wants to know who watches it. */
export interface Watched {
  /** `epoll` now watches this object's fd (a registration or a readiness wait). */
  [kWatchedBy](epoll: object): void
}

/** Tells `fd` that `epoll` watches it, if it is an object that wants to know. */
export function noteWatcher(fd: unknown, epoll: object): void {
  if (typeof fd === 'object' && fd !== null && kWatchedBy in fd) (fd as Watched)[kWatchedBy](epoll)
}
