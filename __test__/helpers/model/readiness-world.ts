/**
 * The world of the readiness model (`__test__/model/readiness.spec.ts`): one `Epoll`, a few pipe
 * slots whose pipes are closed and reopened (the kernel hands the numbers out again), the caller's own
 * registrations with handlers, and `readable()`/`writable()` promises, each remembered with the pipe
 * (generation) it was made for. Commands change the world and record what the package must do; the
 * checks say what a user is promised:
 * - safety: a caller's handler runs only for its own registration of the current pipe; a promise
 *   resolves with events only for the pipe it was made for, while that pipe is open; the caller's
 *   registration of the current pipe is never removed by anything the package does for an older one;
 * - liveness: after a loop turn, every pending promise of the current pipe that is ready has resolved
 *   with its events, and a caller's handler of a readable pipe has run;
 * - every error code of register/unregister/readable/writable is the one the model predicts.
 */
import { close, Epoll, EPOLLIN, EPOLLOUT, eventfd, pipe, read, write } from '../../../index.js'

export type Direction = 'readable' | 'writable'

/** A pipe in a slot; `gen` tells the pipes that had the same numbers apart. */
export interface Slot {
  gen: number
  r: number
  w: number
  buffered: number
}

/** A caller's registration (with a handler) of a slot's read end. */
export interface CallerRegistration {
  id: number
  gen: number
}

export interface Waiter {
  id: number
  slot: number
  gen: number
  fd: number
  direction: Direction
  timeout: number | undefined
  started: number
  abort: AbortController | null
  /** Settled: the events (0 on timeout, abort or an ended registration) or the error code. */
  outcome: { events: number } | { code: string } | null
  /** The generation current on its slot when it resolved. */
  genAtSettle: number
}

export const stats = { commands: 0, waiters: 0, reused: 0, handlerCalls: 0, resolvedReady: 0 }

export class ReadinessWorld implements Disposable {
  readonly ep = new Epoll()
  readonly slots: Slot[] = []
  /** The caller's registration under each read-end number (of the current pipe, or of a closed one). */
  readonly caller = new Map<number, CallerRegistration>()
  readonly waiters: Waiter[] = []
  readonly violations: string[] = []
  /** Registration ids whose handler ran since the last turn. */
  readonly handled = new Set<number>()
  #gens = 0
  #ids = 0

  /** An eventfd that never becomes readable, with a handler: it makes the instance watch with the thread watcher. */
  #idle = -1

  constructor(slots: number, watcher: 'libuv' | 'thread') {
    for (let i = 0; i < slots; i++) this.slots.push(this.#open())
    if (watcher === 'thread') {
      // The watcher kind is chosen when an instance starts watching: start it now.
      const previous = process.env.EPOLL_NAPI_WATCHER
      process.env.EPOLL_NAPI_WATCHER = 'thread'
      this.#idle = eventfd()
      this.ep.register(this.#idle, EPOLLIN, () => this.violations.push('the idle eventfd was delivered'))
      if (previous === undefined) delete process.env.EPOLL_NAPI_WATCHER
      else process.env.EPOLL_NAPI_WATCHER = previous
    }
  }

  #open(): Slot {
    const [r, w] = pipe()
    return { gen: ++this.#gens, r, w, buffered: 0 }
  }

  nextId(): number {
    return ++this.#ids
  }

  slotOf(index: number): Slot {
    return this.slots[index % this.slots.length]
  }

  /** Pending promises of the pipe that is now in `slot` on `fd`. */
  pendingOn(fd: number, gen: number): Waiter[] {
    return this.waiters.filter((w) => w.outcome === null && w.fd === fd && w.gen === gen)
  }

  /** Closes a slot's pipe without unregistering anything, and opens another (usually with the same numbers). */
  reopen(index: number): void {
    const old = this.slotOf(index)
    close(old.r)
    close(old.w)
    const fresh = this.#open()
    if (fresh.r === old.r && fresh.w === old.w) stats.reused++
    this.slots[index % this.slots.length] = fresh
  }

  handlerFor(reg: CallerRegistration, fd: number) {
    return (events: number, ranFd: number) => {
      stats.handlerCalls++
      const slot = this.slots.find((s) => s.r === ranFd)
      const current = this.caller.get(ranFd)
      if (ranFd !== fd || current?.id !== reg.id || slot?.gen !== reg.gen) {
        this.violations.push(`handler ${reg.id} (fd ${fd}, pipe ${reg.gen}) ran for fd ${ranFd}, which is not its registration now`)
      }
      if ((events & EPOLLIN) === 0) this.violations.push(`handler ${reg.id} ran with events ${events}`)
      this.handled.add(reg.id)
      // Consume, so that a level-triggered pipe does not keep the loop busy.
      if (slot) drain(slot)
    }
  }

  track(waiter: Waiter, promise: Promise<number>): void {
    this.waiters.push(waiter)
    stats.waiters++
    promise.then(
      (events) => this.#settled(waiter, { events }),
      (error: { code?: string; name?: string }) => this.#settled(waiter, { code: error.code ?? error.name ?? String(error) }),
    )
  }

  #settled(waiter: Waiter, outcome: Waiter['outcome']): void {
    if (waiter.outcome !== null) return void this.violations.push(`promise ${waiter.id} settled twice`)
    waiter.outcome = outcome
    waiter.genAtSettle = this.slots[waiter.slot].gen
    if (!('events' in outcome!)) return
    const { events } = outcome
    if (events === 0) {
      // 0 before its timeout only when its registration ended: the number went to someone else, or
      // the caller unregistered it (both recorded by the command as `ended`).
      const early = waiter.timeout !== undefined && performance.now() - waiter.started < waiter.timeout
      if (early && !ended.has(waiter.id) && waiter.abort === null) this.violations.push(`promise ${waiter.id} resolved 0 before its timeout ${waiter.timeout}`)
      return
    }
    stats.resolvedReady++
    if (waiter.genAtSettle !== waiter.gen) {
      this.violations.push(`promise ${waiter.id} of pipe ${waiter.gen} resolved with events ${events} after its pipe was closed`)
    }
    const wanted = waiter.direction === 'readable' ? EPOLLIN : EPOLLOUT
    if ((events & wanted) === 0) this.violations.push(`${waiter.direction} promise ${waiter.id} resolved with events ${events}`)
  }

  [Symbol.dispose](): void {
    this.ep.close()
    for (const slot of this.slots) {
      close(slot.r)
      close(slot.w)
    }
    if (this.#idle >= 0) close(this.#idle)
  }
}

/** Promises whose registration was ended on purpose (unregister, a new registration of the number): 0 may come early. */
export const ended = new Set<number>()

export function drain(slot: Slot): void {
  const chunk = Buffer.alloc(65536)
  while (read(slot.r, chunk) > 0);
  slot.buffered = 0
}

export function fill(slot: Slot, bytes: number): void {
  write(slot.w, Buffer.alloc(bytes, 0x61))
  slot.buffered += bytes
}
