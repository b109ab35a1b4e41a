/**
 * `ep.readable(fd)` / `ep.writable(fd)`: one promise per readiness, in the style of asyncio's
 * `add_reader` and tokio's `AsyncFd::readable`.
 *
 * The first pending promise on an fd registers it one-shot for what is awaited (`EPOLLIN` and/or
 * `EPOLLOUT`), with a handler of this module's; every promise pending on that fd shares the
 * registration and resolves on the same readiness. When the last one settles (readiness, timeout,
 * abort, close) the registration is removed again, so an fd the caller registers itself meets the
 * kernel's `EEXIST`, as a second `register` would.
 *
 * An fd number outlives its fd: the caller may close the fd while promises are pending and get the
 * number back for another file. So everything here belongs to a {@link Registration} object, not to
 * a number: the handler, every timeout and abort listener capture their registration and act only
 * while it is live, and a registration stops being live exactly when the number's registration ends
 * (its last promise settled, the caller unregistered or registered the number anew, the instance
 * closed, or the kernel no longer knows the file under that number). Nothing done for an ended
 * registration can reach the number, whoever holds it now.
 */
import { abortErrorOf } from '../internal/abort'
import { closedError } from '../internal/errors'
import type { Deadline } from './deadline'
import type { Delivery } from './delivery'
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EPOLLPRI, EPOLLRDHUP } from './flags'

/** What the readiness promises need of the native instance. */
export interface ReadinessTarget {
  register(fd: number, events: number): void
  modify(fd: number, events: number): void
  unregister(fd: number): void
  has(fd: number): boolean
}

/** Which events end a wait for each direction (errors and hang-ups end both). */
const ENDS = {
  readable: (EPOLLIN | EPOLLPRI | EPOLLRDHUP | EPOLLHUP | EPOLLERR) >>> 0,
  writable: (EPOLLOUT | EPOLLHUP | EPOLLERR) >>> 0,
} as const
const ASKS = { readable: EPOLLIN, writable: EPOLLOUT } as const

export type Direction = keyof typeof ENDS

interface Pending {
  readonly registration: Registration
  readonly direction: Direction
  resolve(events: number): void
  reject(error: unknown): void
  deadline: Deadline | null
  signal: AbortSignal | undefined
  onAbort: (() => void) | null
}

/** One one-shot registration of an fd number and the promises waiting on it (Sets: O(1) add and remove). */
interface Registration {
  readonly fd: number
  readonly readable: Set<Pending>
  readonly writable: Set<Pending>
  /** False once the registration ended: then nothing may touch the number on its behalf. */
  live: boolean
}

function maskOf(registration: Registration): number {
  return (registration.readable.size > 0 ? EPOLLIN : 0) | (registration.writable.size > 0 ? EPOLLOUT : 0)
}

export class ReadinessWaits {
  readonly #target: ReadinessTarget
  readonly #delivery: Delivery
  /** The live registration of each number this module registered. */
  readonly #live = new Map<number, Registration>()

  constructor(target: ReadinessTarget, delivery: Delivery) {
    this.#target = target
    this.#delivery = delivery
  }

  /** Resolves with the events once `fd` is ready in `direction`, `0` after `timeout` ms (`-1`: never). */
  wait(fd: number, direction: Direction, timeout: number, signal: AbortSignal | undefined): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const registration = this.#join(fd, direction)
      const pending: Pending = { registration, direction, resolve, reject, deadline: null, signal, onAbort: null }
      registration[direction].add(pending)
      // Listed by now: settled (and unlisted) if setting it up throws, or it would keep the
      // registration, the watcher and the process alive for good.
      try {
        if (signal !== undefined) {
          pending.onAbort = () => this.#settle(pending, 0, abortErrorOf(signal))
          signal.addEventListener('abort', pending.onAbort, { once: true })
        }
        if (timeout >= 0 && registration[direction].has(pending)) {
          pending.deadline = this.#delivery.deadlines.add(timeout, () => this.#settle(pending, 0))
        }
      } catch (error) {
        this.#settle(pending, 0, error)
      }
    })
  }

  /**
   * The caller's `register` or `unregister` of `fd` went through, or the kernel refused `modify`
   * because the fd is gone: a registration of ours under that number has ended. Its promises resolve
   * `0`, as on timeout; nothing is asked of the kernel (the number is the caller's now).
   */
  ended(fd: number): void {
    const registration = this.#live.get(fd)
    if (registration !== undefined) this.#end(registration, 0)
  }

  /** The instance closed: every pending promise rejects with `ERR_EPOLL_CLOSED`. */
  close(): void {
    for (const registration of [...this.#live.values()]) this.#end(registration, 0, closedError())
  }

  /**
   * The live registration of `fd` with `direction` added to what it waits for: the existing one, or
   * a new one. Throws what the kernel says: `EEXIST` for an fd the caller registered, `EBADF` for a
   * closed one, `ERR_EPOLL_STALE_REGISTRATION` for a reused number whose old file is still open
   * elsewhere (then the only change is that the old, dead registration's promises resolved `0`).
   */
  #join(fd: number, direction: Direction): Registration {
    const existing = this.#live.get(fd)
    if (existing !== undefined) {
      // Asked of the kernel even when the mask stays: EPOLL_CTL_MOD finds the registration only if
      // the number still names the file that was registered. A number closed and reused meanwhile
      // gets ENOENT (EBADF if closed), and the core forgets it.
      try {
        this.#target.modify(fd, maskOf(existing) | ASKS[direction] | EPOLLONESHOT)
        return existing
      } catch (error) {
        if (this.#target.has(fd)) throw error
        this.#end(existing, 0)
        // Its handler too: if the number is closed rather than reused, nothing registers it again.
        this.#delivery.forget(fd)
      }
    }
    this.#target.register(fd, ASKS[direction] | EPOLLONESHOT)
    // The kernel took the number: anything the delivery kept under it belonged to a closed fd.
    this.#delivery.forget(fd)
    const registration: Registration = { fd, readable: new Set(), writable: new Set(), live: true }
    this.#live.set(fd, registration)
    try {
      this.#delivery.setHandler(fd, (events) => this.#ready(registration, events))
    } catch (error) {
      this.#live.delete(fd)
      registration.live = false
      this.#target.unregister(fd)
      throw error
    }
    return registration
  }

  /** The one-shot registration fired: settle those it answers, re-arm for the others. */
  #ready(registration: Registration, events: number): void {
    if (!registration.live) return
    for (const direction of ['readable', 'writable'] as const) {
      if ((events & ENDS[direction]) === 0) continue
      const answered = [...registration[direction]]
      registration[direction].clear()
      for (const pending of answered) this.#finish(pending, events)
    }
    this.#update(registration, -1)
  }

  #settle(pending: Pending, events: number, error?: unknown): void {
    const registration = pending.registration
    if (!registration.live) return
    const before = maskOf(registration)
    if (!registration[pending.direction].delete(pending)) return
    this.#finish(pending, events, error)
    this.#update(registration, before)
  }

  /**
   * Keeps a live registration for the promises left (re-armed after it fired: `before` is -1, or
   * narrowed when a direction has none left), or removes it.
   */
  #update(registration: Registration, before: number): void {
    const fd = registration.fd
    const mask = maskOf(registration)
    if (mask === 0) {
      this.#end(registration, 0)
      this.#delivery.forget(fd)
      try {
        this.#target.unregister(fd)
      } catch {
        // Closed behind our back: the kernel dropped it already.
      }
      return
    }
    if (mask === before) return
    try {
      this.#target.modify(fd, mask | EPOLLONESHOT)
    } catch (error) {
      // The fd is gone: nobody can become ready any more.
      this.#end(registration, 0, error)
      this.#delivery.forget(fd)
    }
  }

  /**
   * Ends a live registration: unlisted and its promises settled. The delivery's state under the
   * number is the caller's to forget: after a `register` of the caller's it is already the new one's.
   */
  #end(registration: Registration, events: number, error?: unknown): void {
    if (!registration.live) return
    registration.live = false
    this.#live.delete(registration.fd)
    const all = [...registration.readable, ...registration.writable]
    registration.readable.clear()
    registration.writable.clear()
    for (const pending of all) this.#finish(pending, events, error)
  }

  #finish(pending: Pending, events: number, error?: unknown): void {
    pending.deadline?.cancel()
    if (pending.onAbort !== null) {
      try {
        pending.signal!.removeEventListener('abort', pending.onAbort)
      } catch {
        // A signal-like object whose removeEventListener throws must not keep the promise pending.
      }
    }
    if (error === undefined) pending.resolve(events)
    else pending.reject(error)
  }
}
