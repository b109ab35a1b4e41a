/**
 * Delivery of events on the event loop: the state machine between the native watcher and the
 * consumers of one `Epoll` (handlers, pending `wait()`s, and `poll()` taking kept events).
 *
 * The watcher calls {@link Delivery.dispatch} once per batch with the events it wrote into the
 * shared `Uint32Array`. Each event goes to its fd's handler; an event of an fd without a handler
 * goes to the oldest pending wait, or is kept (merged per fd) until a wait or a poll takes it. A
 * kept level-triggered fd is parked (re-armed one-shot) so that it cannot spin the loop, and is
 * re-armed once its event was taken and the taker had a turn. The epoll fd is watched exactly while
 * someone consumes: a handler or a pending wait.
 */
import { abortErrorOf } from '../internal/abort'
import { closedError, watchFailed } from '../internal/errors'
import { type Deadline, Deadlines } from './deadline'
import { EPOLLET, EPOLLONESHOT } from './flags'
import { useWatcherThread } from './watcher-choice'

/** One ready fd: `[fd, events]`. */
export type EpollEvent = [fd: number, events: number]

/**
 * Runs on the event loop of the thread that owns the instance when `fd` is ready.
 *
 * @param events The ready events (`EPOLLIN`, `EPOLLOUT`, ...): `describeEvents(events)` names them.
 * @param fd The fd the events are for.
 */
export type EventHandler = (events: number, fd: number) => void

/** What the delivery needs of the native instance. */
export interface DeliveryTarget {
  interest(fd: number): number
  has(fd: number): boolean
  suspend(fd: number): void
  resume(fd: number): void
  watch(dispatch: (count: number, failedSyscall?: string) => void, out: Uint32Array, kind: WatcherKind): void
  unwatch(): void
  /** Whether a registered fd loses its events to a nested poll (procfs, cgroup): only a direct watcher delivers them. */
  readonly needsDirectWatch: boolean
  setWatching(active: boolean): void
  setRef(refed: boolean): void
}

/**
 * How the native watcher waits: `'libuv'` (a `uv_poll` handle), `'thread'` (a thread waits for
 * readiness), `'direct'` (a thread calls `epoll_wait` on the instance and hands the events over).
 */
export type WatcherKind = 'libuv' | 'thread' | 'direct'

interface Waiter {
  resolve(events: EpollEvent[]): void
  reject(error: unknown): void
  maxEvents: number
  /** The timeout; none for a wait without one. */
  deadline: Deadline | null
  signal: AbortSignal | undefined
  onAbort: (() => void) | null
}

/** Events written by the watcher per batch; more ready fds are dispatched in the next loop turn. */
const DISPATCH_BATCH = 4096
const LEVEL_TRIGGER_EXEMPT = (EPOLLET | EPOLLONESHOT) >>> 0

export class Delivery {
  readonly #target: DeliveryTarget
  /** Handlers by fd (an array: fds are small integers, and indexing beats a Map on the hot path). */
  #handlers: (EventHandler | undefined)[] = []
  #handlerCount = 0
  /** Pending `wait()`s, served in order (a Set: insertion-ordered, O(1) to add and remove). */
  readonly #waiters = new Set<Waiter>()
  /** The timeouts of this instance's waits and readiness promises: one Node timer for all. */
  readonly deadlines = new Deadlines(true)
  /** Events nobody has taken yet, merged per fd. */
  #kept = new Map<number, number>()
  /** Level-triggered fds parked (one-shot) while their kept event waits for a consumer. */
  #parked = new Set<number>()
  /** Parked fds whose event was taken: re-armed when the next wait or poll starts (after the taker ran). */
  #toRearm = new Set<number>()
  /** Fds forgotten during the batch being dispatched: their events in it are dropped. */
  #removedInBatch: Set<number> | null = null
  #dispatching = false
  #watching = false
  #refed = true
  #closed = false
  /** Set when the watcher failed: it stays stopped until a new handler or wait starts it. */
  #failed = false
  #out: Uint32Array | null = null
  #kind: WatcherKind | null = null
  /**
   * With a direct watcher, fds forgotten since its last batch: the thread may have taken their events
   * before the forget. Such an event is dropped unless the number is registered again (then it is at
   * worst a spurious readiness of the new registration, which non-blocking I/O absorbs; with libuv
   * the events are taken at dispatch time and are always current).
   */
  #forgottenSinceBatch: Set<number> | null = null

  constructor(target: DeliveryTarget) {
    this.#target = target
  }

  get refed(): boolean {
    return this.#refed
  }

  hasHandler(fd: number): boolean {
    return this.#handlers[fd] !== undefined
  }

  /**
   * Sets `fd`'s handler and starts watching if needed. Throws what starting the watcher threw
   * (`ELOOP`, `EMFILE`, ...), with the handler table as it was.
   */
  setHandler(fd: number, handler: EventHandler): void {
    const previous = this.#handlers[fd]
    if (previous === undefined) this.#handlerCount++
    this.#handlers[fd] = handler
    try {
      this.#updateWatching(true)
    } catch (error) {
      this.#handlers[fd] = previous
      if (previous === undefined) this.#handlerCount--
      throw error
    }
  }

  /** Forgets everything about `fd`: handler, kept event, parking. None of it may reach a later fd of that number. */
  forget(fd: number): void {
    if (this.#handlers[fd] !== undefined) {
      this.#handlers[fd] = undefined
      this.#handlerCount--
    }
    this.dropKept(fd)
    if (this.#dispatching) (this.#removedInBatch ??= new Set()).add(fd)
    if (this.#kind === 'direct') (this.#forgottenSinceBatch ??= new Set()).add(fd)
    this.#updateWatchingQuietly()
  }

  /**
   * After a registration: a file whose readiness a nested poll would consume (procfs, cgroup) needs a
   * direct watcher, so a libuv or readiness watcher is replaced. Throws what starting it threw.
   */
  registered(): void {
    if (this.#out === null || this.#kind === 'direct' || !this.#target.needsDirectWatch) return
    const watching = this.#watching
    this.#target.unwatch()
    this.#out = null
    this.#kind = null
    this.#watching = false
    if (watching) this.#updateWatching(true)
  }

  /** Drops a kept event of `fd` (after `modify`, the kernel re-evaluates the fd under its new mask). */
  dropKept(fd: number): void {
    this.#kept.delete(fd)
    this.#parked.delete(fd)
    this.#toRearm.delete(fd)
  }

  /**
   * The next batch of events of fds without a handler: at once if some are kept, `[]` once `timeout`
   * ms pass (`-1`: never), an `AbortError` when `signal` aborts. The caller checked the arguments.
   */
  wait(maxEvents: number, timeout: number, signal: AbortSignal | undefined): Promise<EpollEvent[]> {
    this.rearmTaken()
    if (this.#kept.size > 0) return Promise.resolve(this.take(maxEvents))
    return new Promise<EpollEvent[]>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, maxEvents, deadline: null, signal, onAbort: null }
      // Listed before anything can settle it, and settled (unlisted) if setting it up throws: a
      // settled waiter left in the list would keep the watcher running, and the process alive, for good.
      this.#waiters.add(waiter)
      try {
        if (signal !== undefined) {
          waiter.onAbort = () => this.#settle(waiter, null, abortErrorOf(signal))
          signal.addEventListener('abort', waiter.onAbort, { once: true })
        }
        if (timeout >= 0 && this.#waiters.has(waiter)) {
          waiter.deadline = this.deadlines.add(timeout, () => this.#settle(waiter, []))
        }
        this.#updateWatching(true)
      } catch (error) {
        this.#settle(waiter, null, error)
      }
    })
  }

  /** Takes up to `maxEvents` kept events (for a wait, or for a `poll()` on the same instance). */
  take(maxEvents: number): EpollEvent[] {
    const batch: EpollEvent[] = []
    for (const [fd, events] of this.#kept) {
      if (batch.length === maxEvents) break
      batch.push([fd, events])
      this.#kept.delete(fd)
      if (this.#parked.delete(fd)) this.#toRearm.add(fd)
    }
    return batch
  }

  /** Whether events are kept for a consumer. */
  get hasKept(): boolean {
    return this.#kept.size > 0
  }

  /** Re-arms fds whose parked event was taken, now that the taker had its turn. */
  rearmTaken(): void {
    if (this.#toRearm.size === 0) return
    const fds = [...this.#toRearm]
    this.#toRearm.clear()
    for (const fd of fds) {
      if (!this.#target.has(fd) || this.#kept.has(fd)) continue
      try {
        this.#target.resume(fd)
      } catch {
        // Closed behind our back: nothing to re-arm.
      }
    }
  }

  setRef(refed: boolean): void {
    if (this.#refed === refed) return
    this.#refed = refed
    if (this.#out !== null) this.#target.setRef(refed)
    this.deadlines.setRef(refed)
  }

  /** The instance closed: drop everything; pending waits reject with `ERR_EPOLL_CLOSED`. */
  close(): void {
    this.#closed = true
    this.#handlers = []
    this.#handlerCount = 0
    this.#kept.clear()
    this.#parked.clear()
    this.#toRearm.clear()
    this.#watching = false
    const waiters = [...this.#waiters]
    this.#waiters.clear()
    for (const waiter of waiters) this.#settle(waiter, null, closedError())
  }

  /**
   * Watch the epoll fd exactly while someone consumes events: a handler or a pending wait. A new
   * consumer (`restart`) also restarts a watcher that failed.
   */
  #updateWatching(restart = false): void {
    if (restart) this.#failed = false
    const wanted = !this.#closed && !this.#failed && (this.#handlerCount > 0 || this.#waiters.size > 0)
    if (wanted === this.#watching) return
    if (wanted && this.#out === null) {
      // May throw (EMFILE for the watcher thread's eventfd, ELOOP from the kernel...): then nothing
      // changed, and the next handler or wait tries again.
      const out = new Uint32Array(2 * DISPATCH_BATCH)
      const kind: WatcherKind = this.#target.needsDirectWatch ? 'direct' : useWatcherThread() ? 'thread' : 'libuv'
      this.#target.watch(this.dispatch, out, kind)
      this.#out = out
      this.#kind = kind
      if (!this.#refed) this.#target.setRef(false)
    }
    this.#target.setWatching(wanted)
    this.#watching = wanted
  }

  /** Stopping never fails; a failure to start again is reported by the next consumer. */
  #updateWatchingQuietly(): void {
    try {
      this.#updateWatching()
    } catch {
      // Only starting can fail, and the consumer that needs it will see the error.
    }
  }

  /** Called by the native watcher once per batch, with the number of events written into `#out`. */
  dispatch = (count: number, failedSyscall?: string): void => {
    if (count < 0) return this.#watchFailed(-count, failedSyscall ?? 'epoll_wait')
    const out = this.#out!
    const handlers = this.#handlers
    const stale = this.#forgottenSinceBatch
    this.#forgottenSinceBatch = null
    let unclaimed: number[] | null = null
    let errors: unknown[] | null = null
    this.#dispatching = true
    try {
      for (let i = 0; i < 2 * count; i += 2) {
        const fd = out[i]
        const events = out[i + 1]
        if (this.#removedInBatch !== null && this.#removedInBatch.has(fd)) continue
        if (stale !== null && stale.has(fd) && !this.#target.has(fd)) continue
        const handler = handlers[fd]
        if (handler !== undefined) {
          try {
            handler(events, fd)
          } catch (error) {
            ;(errors ??= []).push(error)
          }
          if (this.#closed) break
        } else {
          ;(unclaimed ??= []).push(fd, events)
        }
      }
    } finally {
      this.#dispatching = false
      this.#removedInBatch = null
    }
    if (unclaimed !== null && !this.#closed) this.#keepAndServe(unclaimed)
    // A throwing handler is an uncaught exception, like any callback's; the batch went on without it.
    if (errors !== null) for (const error of errors) process.nextTick(rethrow, error)
  }

  #keepAndServe(pairs: number[]): void {
    const kept = this.#kept
    for (let i = 0; i < pairs.length; i += 2) {
      const fd = pairs[i]
      kept.set(fd, (kept.get(fd) ?? 0) | pairs[i + 1])
    }
    while (this.#waiters.size > 0 && kept.size > 0) {
      const first = this.#waiters.values().next().value!
      this.#settle(first, this.take(first.maxEvents))
    }
    if (kept.size > 0) this.#parkLevelTriggered()
  }

  /** A level-triggered fd stays ready until consumed: park it until someone takes its event. */
  #parkLevelTriggered(): void {
    for (const fd of this.#kept.keys()) {
      if (this.#parked.has(fd)) continue
      const interest = this.#target.interest(fd)
      if (interest < 0 || (interest & LEVEL_TRIGGER_EXEMPT) !== 0) continue
      try {
        this.#target.suspend(fd)
        this.#parked.add(fd)
      } catch {
        // The fd was closed behind our back: the kernel dropped it, nothing can spin.
      }
    }
  }

  #settle(waiter: Waiter, events: EpollEvent[] | null, error?: unknown): void {
    this.#waiters.delete(waiter)
    waiter.deadline?.cancel()
    waiter.deadline = null
    if (waiter.onAbort !== null) {
      try {
        waiter.signal!.removeEventListener('abort', waiter.onAbort)
      } catch {
        // A signal-like object whose removeEventListener throws must not keep the wait pending.
      }
    }
    if (events !== null) waiter.resolve(events)
    else waiter.reject(error)
    this.#updateWatchingQuietly()
  }

  /**
   * The watcher failed (`epoll_wait` on the loop, or libuv stopped the handle): pending waits reject,
   * the error is also thrown as an uncaught exception (handlers cannot be told otherwise), and
   * watching stops until a new handler or wait starts it again (a persistent failure must not spin).
   */
  #watchFailed(errno: number, syscall: string): void {
    const error = watchFailed(errno, syscall)
    this.#failed = true
    this.#watching = false
    try {
      this.#target.setWatching(false)
    } catch {
      // Stopping does not fail.
    }
    for (const waiter of [...this.#waiters]) this.#settle(waiter, null, error)
    process.nextTick(rethrow, error)
  }
}

function rethrow(error: unknown): never {
  throw error
}

/**
 * `out` holds `first` kept pairs followed by `more` pairs from the kernel; an fd in both (an
 * edge-triggered fd with a new edge) is reported once, with its events merged. Returns the count.
 */
export function mergeByFd(out: Uint32Array, first: number, more: number): number {
  if (more === 0) return first
  const at = new Map<number, number>()
  for (let i = 0; i < first; i++) at.set(out[2 * i], i)
  let count = first
  for (let i = first; i < first + more; i++) {
    const fd = out[2 * i]
    const events = out[2 * i + 1]
    const seen = at.get(fd)
    if (seen !== undefined) {
      out[2 * seen + 1] |= events
    } else {
      out[2 * count] = fd
      out[2 * count + 1] = events
      count++
    }
  }
  return count
}
