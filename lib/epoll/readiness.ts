/**
 * `ep.readable(fd)` / `ep.writable(fd)`: one promise per readiness, in the style of asyncio's
 * `add_reader` and tokio's `AsyncFd::readable`.
 *
 * The first pending promise on an fd registers it one-shot for what is awaited (`EPOLLIN` and/or
 * `EPOLLOUT`), with a handler of this module's; every promise pending on that fd shares the
 * registration and resolves on the same readiness. When the last one settles (readiness, timeout,
 * abort, close) the registration is removed again, so an fd the caller registers itself meets the
 * kernel's `EEXIST`, as a second `register` would.
 */
import { abortErrorOf } from '../internal/abort'
import { closedError } from '../internal/errors'
import { Deadline } from './deadline'
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
  direction: Direction
  resolve(events: number): void
  reject(error: unknown): void
  deadline: Deadline | null
  signal: AbortSignal | undefined
  onAbort: (() => void) | null
}

export class ReadinessWaits {
  readonly #target: ReadinessTarget
  readonly #delivery: Delivery
  readonly #pending = new Map<number, Pending[]>()

  constructor(target: ReadinessTarget, delivery: Delivery) {
    this.#target = target
    this.#delivery = delivery
  }

  /** Resolves with the events once `fd` is ready in `direction`, `0` after `timeout` ms (`-1`: never). */
  wait(fd: number, direction: Direction, timeout: number, signal: AbortSignal | undefined): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const list = this.#pending.get(fd)
      const pending: Pending = { direction, resolve, reject, deadline: null, signal, onAbort: null }
      if (list === undefined) {
        // Throws EEXIST for an fd registered through `register`, before anything else changed.
        this.#target.register(fd, ASKS[direction] | EPOLLONESHOT)
        this.#pending.set(fd, [pending])
        try {
          this.#delivery.setHandler(fd, (events) => this.#ready(fd, events))
        } catch (error) {
          this.#pending.delete(fd)
          this.#target.unregister(fd)
          throw error
        }
      } else {
        const before = this.#mask(list)
        list.push(pending)
        if (this.#mask(list) !== before) this.#target.modify(fd, this.#mask(list) | EPOLLONESHOT)
      }
      // Listed by now: settled (and unlisted) if setting it up throws, or it would keep the
      // registration, the watcher and the process alive for good.
      try {
        if (signal !== undefined) {
          pending.onAbort = () => this.#settle(fd, pending, 0, abortErrorOf(signal))
          signal.addEventListener('abort', pending.onAbort, { once: true })
        }
        if (timeout >= 0 && this.#pending.get(fd)?.includes(pending)) {
          pending.deadline = new Deadline(timeout, () => this.#settle(fd, pending, 0), this.#delivery.refed)
        }
      } catch (error) {
        this.#settle(fd, pending, 0, error)
      }
    })
  }

  /** Whether `fd` is registered by a pending readiness promise. */
  owns(fd: number): boolean {
    return this.#pending.has(fd)
  }

  /** `fd` was unregistered by the caller: its pending promises resolve `0`, as on timeout. */
  unregistered(fd: number): void {
    const list = this.#pending.get(fd)
    if (list === undefined) return
    this.#pending.delete(fd)
    for (const pending of list) this.#finish(pending, 0)
  }

  /** The instance closed: every pending promise rejects with `ERR_EPOLL_CLOSED`. */
  close(): void {
    const all = [...this.#pending.values()].flat()
    this.#pending.clear()
    for (const pending of all) this.#finish(pending, 0, closedError())
  }

  #mask(list: Pending[]): number {
    let mask = 0
    for (const pending of list) mask |= ASKS[pending.direction]
    return mask
  }

  /** The one-shot registration fired: settle those it answers, re-arm for the others. */
  #ready(fd: number, events: number): void {
    const list = this.#pending.get(fd)
    if (list === undefined) return
    const answered = list.filter((pending) => (events & ENDS[pending.direction]) !== 0)
    const rest = list.filter((pending) => (events & ENDS[pending.direction]) === 0)
    for (const pending of answered) this.#finish(pending, events)
    this.#update(fd, rest, true)
  }

  #settle(fd: number, pending: Pending, events: number, error?: unknown): void {
    const list = this.#pending.get(fd)
    if (list === undefined || !list.includes(pending)) return
    this.#finish(pending, events, error)
    this.#update(
      fd,
      list.filter((other) => other !== pending),
      false,
    )
  }

  /** Keeps the registration for `rest` (re-armed after it fired), or removes it. */
  #update(fd: number, rest: Pending[], fired: boolean): void {
    const before = this.#pending.get(fd)!
    if (rest.length === 0) {
      this.#pending.delete(fd)
      this.#delivery.forget(fd)
      try {
        this.#target.unregister(fd)
      } catch {
        // Closed behind our back: the kernel dropped it already.
      }
      return
    }
    this.#pending.set(fd, rest)
    if (fired || this.#mask(rest) !== this.#mask(before)) {
      try {
        this.#target.modify(fd, this.#mask(rest) | EPOLLONESHOT)
      } catch (error) {
        // The fd is gone: nobody can become ready any more.
        this.#pending.delete(fd)
        this.#delivery.forget(fd)
        for (const pending of rest) this.#finish(pending, 0, error)
      }
    }
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
