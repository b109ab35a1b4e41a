/**
 * The `Epoll` class: Python's `select.epoll` with TypeScript idioms. Blocking polls
 * (`poll`/`pollInto`) and delivery on the event loop (handlers, `wait()`, async iteration) work on the
 * same instance. Every argument is checked here before the native binding is called.
 */
import { abortErrorOf, toOptionalSignal } from './abort'
import { type BusyPollOptions, toBusyPoll } from './busy-poll'
import { DEFAULT_EVENTS, EPOLLET, EPOLLONESHOT } from './constants'
import { closedError, invalidArgType, invalidThis } from './errors'
import { type NativeBinding, requireNative } from './native'
import type { NativeEpoll } from '../binding'
import { type Fd, toEvents, toFd, toOptionalBoolean, toOptions, toPositiveInt32, toTimeout } from './validate'

/** One ready fd: `[fd, events]`. */
export type EpollEvent = [fd: number, events: number]

/** Runs on the event loop of the thread that owns the instance when `fd` is ready. */
export type EventHandler = (events: number, fd: number) => void

/** Options of {@link Epoll.wait}. */
export interface WaitOptions {
  /** Milliseconds before resolving `[]`; omitted, `-1` or `Infinity` wait until an event arrives. */
  timeout?: number
  /** At most this many events in the returned batch (the rest stay for the next wait). */
  maxEvents?: number
  /** Rejects the wait with an `AbortError` when aborted. */
  signal?: AbortSignal
}

interface Waiter {
  resolve(events: EpollEvent[]): void
  reject(error: unknown): void
  maxEvents: number
  /** The timeout's timer, or (timeout 0) the immediate that resolves it: each cleared by its own API. */
  timer: NodeJS.Timeout | null
  immediate: NodeJS.Immediate | null
  signal: AbortSignal | undefined
  onAbort: (() => void) | null
}

/** Events written by the watcher per batch; more ready fds are dispatched in the next loop turn. */
const DISPATCH_BATCH = 4096
/** setTimeout's largest delay; longer waits re-arm. */
const MAX_TIMER_MS = 0x7fffffff
const LEVEL_TRIGGER_EXEMPT = (EPOLLET | EPOLLONESHOT) >>> 0

/**
 * Bun's libuv exports are stubs that panic, and Deno's `uv_poll` never fires for an addon's handle
 * (checked with Deno 2.9): both get the watcher thread. `EPOLL_NAPI_WATCHER=thread` forces it (tests).
 */
function useWatcherThread(): boolean {
  const versions = process.versions as Record<string, string | undefined>
  return versions.bun !== undefined || versions.deno !== undefined || process.env.EPOLL_NAPI_WATCHER === 'thread'
}

/** Options of the {@link Epoll} constructor. */
export interface EpollOptions {
  /** Create the fd with `EPOLL_CLOEXEC` so that child processes do not inherit it. Default `true`. */
  closeOnExec?: boolean
}

/** One `epoll_wait` returns at most this many events, whatever `maxEvents` asks (more take more calls). */
export const MAX_EVENTS_PER_POLL = 65536

/** `poll()` returns at most this many events unless `maxEvents` says otherwise (Python: 1023). */
export const DEFAULT_MAX_EVENTS = 1024

/** The binding's plain `epoll_wait` function (no per-call receiver bookkeeping), once loaded. */
let epollWaitInto: NativeBinding['epollWaitInto'] | null = null

/** `epoll_wait` on the fd of an instance the caller checked is open. */
function waitInto(fd: number, out: Uint32Array, ms: number): number {
  return (epollWaitInto ??= requireNative().epollWaitInto)(fd, out, ms)
}

/** Set while `fromFd` constructs: tells the constructor to adopt instead of create. */
let adopting: NativeEpoll | null = null

/** Reused by `poll()`: the kernel writes `[fd, events]` pairs here, then JS builds the tuples. */
let scratch = new Uint32Array(2 * 64)

/**
 * A Linux epoll instance, modelled on Python's `select.epoll`: register fds with an event mask, then
 * either block in {@link Epoll.poll} / {@link Epoll.pollInto}, or let events arrive on the event loop
 * through handlers, {@link Epoll.wait} and `for await`. Closed by {@link Epoll.close}, by `using`, or
 * by the garbage collector once unreachable and idle.
 */
export class Epoll implements Disposable, AsyncIterable<EpollEvent[]> {
  #native: NativeEpoll | null
  #fd: number
  /** Handlers by fd (an array: fds are small integers, and indexing beats a Map on the hot path). */
  #handlers: (EventHandler | undefined)[] = []
  #handlerCount = 0
  /** Pending `wait()`s, served in order. */
  #waiters: Waiter[] = []
  /** Events nobody has taken yet, merged per fd. */
  #stash = new Map<number, number>()
  /** Level-triggered fds parked (one-shot) while their stashed event waits for a consumer. */
  #parked = new Set<number>()
  /** Parked fds whose event was taken: re-armed when the next wait starts (after the consumer ran). */
  #toRearm = new Set<number>()
  /** Fds unregistered during the batch being dispatched: their events in it are dropped. */
  #removedInBatch: Set<number> | null = null
  #dispatching = false
  #watching = false
  #refed = true
  #out: Uint32Array | null = null

  /** Creates an epoll instance (`epoll_create1`), close-on-exec unless `closeOnExec: false`. */
  constructor(options?: EpollOptions) {
    if (adopting !== null) {
      this.#native = adopting
    } else {
      const opts = toOptions<EpollOptions>(options)
      const closeOnExec = toOptionalBoolean(opts.closeOnExec, 'options.closeOnExec') ?? true
      this.#native = new (requireNative().NativeEpoll)(closeOnExec)
    }
    this.#fd = this.#native.fd
  }

  /**
   * Adopts an existing epoll fd; the new instance owns it and closes it. Refused (and left open) when
   * it is not an epoll fd or another `Epoll` of this process already owns it. Registrations made
   * before adoption count in `size` and `has()`.
   */
  static fromFd(fd: number): Epoll {
    const checked = toFd(fd)
    adopting = requireNative().NativeEpoll.fromFd(checked)
    try {
      return new Epoll()
    } finally {
      adopting = null
    }
  }

  /** The epoll fd, `-1` once closed. */
  get fd(): number {
    Epoll.#brand(this)
    return this.#fd
  }

  /** The epoll fd, like Python's `fileno()`. Throws `ERR_EPOLL_CLOSED` once closed. */
  fileno(): number {
    Epoll.#brand(this)
    this.#open('get the fd of')
    return this.#fd
  }

  /** Whether {@link Epoll.close} was called. */
  get closed(): boolean {
    Epoll.#brand(this)
    return this.#native === null
  }

  /** How many fds are registered. */
  get size(): number {
    Epoll.#brand(this)
    return this.#open('count registrations of').size
  }

  /** Whether `fd` is registered with this instance. */
  has(fd: Fd): boolean {
    Epoll.#brand(this)
    const checked = toFd(fd)
    return this.#open('query').has(checked)
  }

  /**
   * Starts watching `fd` (`EPOLL_CTL_ADD`). Default events: `EPOLLIN | EPOLLPRI | EPOLLOUT`. With a
   * `handler`, its events run `handler(events, fd)` on the event loop; without one they go to
   * `wait()`, the async iterator, or `poll()`.
   */
  register(fd: Fd, events: number = DEFAULT_EVENTS, handler?: EventHandler): this {
    Epoll.#brand(this)
    const checkedFd = toFd(fd)
    const checkedEvents = toEvents(events)
    checkHandler(handler)
    const native = this.#open('register with')
    native.register(checkedFd, checkedEvents)
    // The kernel took it, so any state kept under this number belonged to an fd closed without
    // unregister: none of it may reach the new registration.
    this.#forget(checkedFd)
    if (handler !== undefined) {
      try {
        this.#setHandler(checkedFd, handler)
      } catch (error) {
        native.unregister(checkedFd)
        this.#forget(checkedFd)
        throw error
      }
    }
    return this
  }

  /**
   * Changes what `fd` is watched for (`EPOLL_CTL_MOD`); also re-arms an `EPOLLONESHOT` fd. A given
   * `handler` replaces the current one; omitted, the current one (or none) stays.
   */
  modify(fd: Fd, events: number, handler?: EventHandler): this {
    Epoll.#brand(this)
    const checkedFd = toFd(fd)
    const checkedEvents = toEvents(events)
    checkHandler(handler)
    this.#open('modify').modify(checkedFd, checkedEvents)
    // The kernel re-evaluates the fd under the new mask: an event kept from the old one is void.
    this.#stash.delete(checkedFd)
    this.#parked.delete(checkedFd)
    this.#toRearm.delete(checkedFd)
    if (handler !== undefined) {
      const previous = this.#handlers[checkedFd]
      try {
        this.#setHandler(checkedFd, handler)
      } catch (error) {
        if (previous === undefined) this.#forget(checkedFd)
        else this.#handlers[checkedFd] = previous
        throw error
      }
    }
    return this
  }

  /** Stops watching `fd` (`EPOLL_CTL_DEL`) and forgets its handler and any event not yet taken. */
  unregister(fd: Fd): this {
    Epoll.#brand(this)
    const checkedFd = toFd(fd)
    const native = this.#open('unregister from')
    try {
      native.unregister(checkedFd)
    } finally {
      // Even when the kernel had already dropped it (EBADF/ENOENT), nothing of it may be delivered.
      if (!native.has(checkedFd)) this.#forget(checkedFd)
    }
    return this
  }

  /**
   * Resolves with the next batch of events of fds that have no handler: at once if some arrived while
   * nobody was waiting, `[]` when `timeout` ms pass. Rejects with an `AbortError` when `signal` aborts
   * and with `ERR_EPOLL_CLOSED` when the instance is closed. Concurrent waits are served in order.
   */
  wait(options?: WaitOptions): Promise<EpollEvent[]> {
    if (typeof this !== 'object' || this === null || !(#native in this)) return Promise.reject(invalidThis('Epoll'))
    let timeout: number
    let maxEvents: number
    let signal: AbortSignal | undefined
    try {
      const opts = toOptions<WaitOptions>(options)
      timeout = toTimeout(opts.timeout, 'options.timeout')
      maxEvents = opts.maxEvents === undefined ? MAX_EVENTS_PER_POLL : toPositiveInt32(opts.maxEvents, 'options.maxEvents')
      signal = toOptionalSignal(opts.signal, 'options.signal')
      this.#open('wait on')
    } catch (error) {
      return Promise.reject(error)
    }
    if (signal?.aborted) return Promise.reject(abortErrorOf(signal))
    this.#rearmTaken()
    if (this.#stash.size > 0) return Promise.resolve(this.#take(maxEvents))
    return new Promise<EpollEvent[]>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, maxEvents, timer: null, immediate: null, signal, onAbort: null }
      if (signal !== undefined) {
        waiter.onAbort = () => this.#settle(waiter, null, abortErrorOf(signal))
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      if (timeout === 0) {
        // Two check phases apart there is always a poll phase: whatever is ready now is dispatched
        // before the second immediate resolves the wait empty.
        waiter.immediate = setImmediate(() => {
          waiter.immediate = setImmediate(() => this.#settle(waiter, []))
          if (!this.#refed) waiter.immediate.unref()
        })
      } else if (timeout > 0) {
        this.#armTimer(waiter, timeout)
      }
      if (!this.#refed) waiter.immediate?.unref()
      this.#waiters.push(waiter)
      try {
        this.#updateWatching()
      } catch (error) {
        this.#settle(waiter, null, error)
      }
    })
  }

  /** Batches of events of fds without a handler, as `wait()` returns them; ends when the instance closes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<EpollEvent[], void, undefined> {
    for (;;) {
      let batch: EpollEvent[]
      try {
        batch = await this.wait()
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ERR_EPOLL_CLOSED') return
        throw error
      }
      yield batch
    }
  }

  /** Lets handlers and pending waits keep the process alive (the default). Idempotent. */
  ref(): this {
    Epoll.#brand(this)
    return this.#setRef(true)
  }

  /** Lets the process exit even while handlers are registered or waits are pending. Idempotent. */
  unref(): this {
    Epoll.#brand(this)
    return this.#setRef(false)
  }

  /** Whether handlers and pending waits keep the process alive. */
  hasRef(): boolean {
    Epoll.#brand(this)
    return this.#refed
  }

  /** How readiness reaches the event loop: `'libuv'` (Node), `'thread'` (fallback), `'none'` yet. */
  get watcher(): 'libuv' | 'thread' | 'none' {
    Epoll.#brand(this)
    return this.#native === null ? 'none' : this.#native.watcherKind
  }

  /**
   * Blocks the thread in `epoll_wait` until an fd is ready or `timeout` ms pass (fractions round up;
   * `-1`, `Infinity` or `undefined` wait forever; signals do not end the wait early). Returns
   * `[fd, events]` pairs; `[]` on timeout. `maxEvents` defaults to {@link DEFAULT_MAX_EVENTS} (1024).
   */
  poll(timeout?: number, maxEvents?: number): EpollEvent[] {
    Epoll.#brand(this)
    const ms = toTimeout(timeout)
    const max = maxEvents === undefined ? DEFAULT_MAX_EVENTS : Math.min(toPositiveInt32(maxEvents, 'maxEvents'), MAX_EVENTS_PER_POLL)
    this.#open('poll')
    if (scratch.length < 2 * max) scratch = new Uint32Array(2 * max)
    const out = max * 2 === scratch.length ? scratch : scratch.subarray(0, 2 * max)
    const count = waitInto(this.#fd, out, ms)
    // Preallocated and filled by index: the fastest way V8 builds these (measured against push).
    const events: EpollEvent[] = new Array(count)
    for (let i = 0; i < count; i++) events[i] = [out[2 * i], out[2 * i + 1]]
    return events
  }

  /**
   * `poll()` without allocation: writes `out[2i] = fd`, `out[2i + 1] = events` and returns how many
   * events it wrote. `out` must have room for at least one event (length >= 2).
   */
  pollInto(out: Uint32Array, timeout?: number): number {
    Epoll.#brand(this)
    checkEventBuffer(out)
    const ms = toTimeout(timeout)
    this.#open('poll')
    return waitInto(this.#fd, out, ms)
  }

  /**
   * Closes the epoll fd. Idempotent. Pending waits reject with `ERR_EPOLL_CLOSED`, handlers are
   * dropped, and the async iterator ends. Registered fds stay open: they belong to the caller.
   */
  close(): void {
    Epoll.#brand(this)
    const native = this.#native
    if (native === null) return
    this.#native = null
    this.#fd = -1
    this.#handlers = []
    this.#handlerCount = 0
    this.#stash.clear()
    this.#parked.clear()
    this.#toRearm.clear()
    this.#watching = false
    native.close()
    for (const waiter of this.#waiters.splice(0)) this.#settle(waiter, null, closedError('wait on'))
  }

  /**
   * Sets the busy-poll parameters (`EPIOCSPARAMS`, Linux >= 6.9; elsewhere an `ENOTTY` error that says
   * so). Omitted fields are 0 / `false`. A `budget` above 64 needs `CAP_NET_ADMIN` (else `EPERM`).
   */
  setBusyPoll(options: BusyPollOptions): this {
    Epoll.#brand(this)
    const { usecs, budget, prefer } = toBusyPoll(options)
    this.#open('set busy polling of').setBusyPoll(usecs, budget, prefer)
    return this
  }

  /** The busy-poll parameters (`EPIOCGPARAMS`, Linux >= 6.9); a fresh instance reads back zeros. */
  getBusyPoll(): Required<BusyPollOptions> {
    Epoll.#brand(this)
    return this.#open('read busy polling of').getBusyPoll()
  }

  /** Closes the instance at the end of a `using` block: the same as {@link Epoll.close}. */
  [Symbol.dispose](): void {
    this.close()
  }

  /** `'Epoll'`, for `Object.prototype.toString`. */
  get [Symbol.toStringTag](): string {
    return 'Epoll'
  }

  #open(operation: string): NativeEpoll {
    if (this.#native === null) throw closedError(operation)
    return this.#native
  }

  /** Throws `ERR_INVALID_THIS` unless `self` is an `Epoll` (a method borrowed onto another object). */
  static #brand(self: unknown): asserts self is Epoll {
    if (typeof self !== 'object' || self === null || !(#native in self)) throw invalidThis('Epoll')
  }

  #setHandler(fd: number, handler: EventHandler): void {
    if (this.#handlers[fd] === undefined) this.#handlerCount++
    this.#handlers[fd] = handler
    this.#updateWatching()
  }

  #forget(fd: number): void {
    if (this.#handlers[fd] !== undefined) {
      this.#handlers[fd] = undefined
      this.#handlerCount--
    }
    this.#stash.delete(fd)
    this.#parked.delete(fd)
    this.#toRearm.delete(fd)
    if (this.#dispatching) (this.#removedInBatch ??= new Set()).add(fd)
    this.#updateWatching()
  }

  #setRef(refed: boolean): this {
    if (this.#refed === refed) return this
    this.#refed = refed
    this.#native?.setRef(refed)
    for (const waiter of this.#waiters) {
      if (refed) {
        waiter.timer?.ref()
        waiter.immediate?.ref()
      } else {
        waiter.timer?.unref()
        waiter.immediate?.unref()
      }
    }
    return this
  }

  /** Watch the epoll fd exactly while someone consumes events: a handler or a pending wait. */
  #updateWatching(): void {
    const native = this.#native
    const wanted = native !== null && (this.#handlerCount > 0 || this.#waiters.length > 0)
    if (wanted === this.#watching) return
    if (wanted && this.#out === null) {
      // May throw (EMFILE for the watcher thread's eventfd...): then nothing changed, and the next
      // handler or wait tries again.
      const out = new Uint32Array(2 * DISPATCH_BATCH)
      native!.watch(this.#dispatch, out, useWatcherThread())
      this.#out = out
      if (!this.#refed) native!.setRef(false)
    }
    this.#watching = wanted
    native?.setWatching(wanted)
  }

  /** Called by the native watcher once per batch, with the number of events written into `#out`. */
  #dispatch = (count: number): void => {
    if (count < 0) return this.#watchFailed(-count)
    const out = this.#out!
    const handlers = this.#handlers
    let unclaimed: number[] | null = null
    let errors: unknown[] | null = null
    this.#dispatching = true
    try {
      for (let i = 0; i < 2 * count; i += 2) {
        const fd = out[i]
        const events = out[i + 1]
        if (this.#removedInBatch !== null && this.#removedInBatch.has(fd)) continue
        const handler = handlers[fd]
        if (handler !== undefined) {
          try {
            handler(events, fd)
          } catch (error) {
            ;(errors ??= []).push(error)
          }
          if (this.#native === null) break
        } else {
          ;(unclaimed ??= []).push(fd, events)
        }
      }
    } finally {
      this.#dispatching = false
      this.#removedInBatch = null
    }
    if (unclaimed !== null && this.#native !== null) this.#stashAndServe(unclaimed)
    // A throwing handler is an uncaught exception, like any callback's; the batch went on without it.
    if (errors !== null) for (const error of errors) process.nextTick(rethrow, error)
  }

  #stashAndServe(pairs: number[]): void {
    const stash = this.#stash
    for (let i = 0; i < pairs.length; i += 2) {
      const fd = pairs[i]
      stash.set(fd, (stash.get(fd) ?? 0) | pairs[i + 1])
    }
    while (this.#waiters.length > 0 && stash.size > 0) {
      this.#settle(this.#waiters[0], this.#take(this.#waiters[0].maxEvents))
    }
    if (stash.size > 0) this.#parkLevelTriggered()
  }

  /** A level-triggered fd stays ready until consumed: park it until someone takes its event. */
  #parkLevelTriggered(): void {
    const native = this.#native!
    for (const fd of this.#stash.keys()) {
      if (this.#parked.has(fd)) continue
      const interest = native.interest(fd)
      if (interest < 0 || (interest & LEVEL_TRIGGER_EXEMPT) !== 0) continue
      try {
        native.suspend(fd)
        this.#parked.add(fd)
      } catch {
        // The fd was closed behind our back: the kernel dropped it, nothing can spin.
      }
    }
  }

  #take(maxEvents: number): EpollEvent[] {
    const batch: EpollEvent[] = []
    for (const [fd, events] of this.#stash) {
      if (batch.length === maxEvents) break
      batch.push([fd, events])
      this.#stash.delete(fd)
      if (this.#parked.delete(fd)) this.#toRearm.add(fd)
    }
    return batch
  }

  /** Re-arms fds whose parked event was taken, now that the consumer had its turn. */
  #rearmTaken(): void {
    if (this.#toRearm.size === 0) return
    const native = this.#native!
    const fds = [...this.#toRearm]
    this.#toRearm.clear()
    for (const fd of fds) {
      if (!native.has(fd) || this.#stash.has(fd)) continue
      try {
        native.resume(fd)
      } catch {
        // Closed behind our back: nothing to re-arm.
      }
    }
  }

  #armTimer(waiter: Waiter, ms: number): void {
    const step = Math.min(ms, MAX_TIMER_MS)
    waiter.timer = setTimeout(() => {
      if (ms > step) this.#armTimer(waiter, ms - step)
      else this.#settle(waiter, [])
    }, step)
    if (!this.#refed) waiter.timer.unref()
  }

  #settle(waiter: Waiter, events: EpollEvent[] | null, error?: unknown): void {
    const at = this.#waiters.indexOf(waiter)
    if (at !== -1) this.#waiters.splice(at, 1)
    if (waiter.timer !== null) {
      clearTimeout(waiter.timer)
      waiter.timer = null
    }
    if (waiter.immediate !== null) {
      clearImmediate(waiter.immediate)
      waiter.immediate = null
    }
    if (waiter.onAbort !== null) waiter.signal!.removeEventListener('abort', waiter.onAbort)
    if (events !== null) waiter.resolve(events)
    else waiter.reject(error)
    this.#updateWatching()
  }

  #watchFailed(errno: number): void {
    const error = Object.assign(new Error(`epoll_wait failed on the event loop (errno ${errno})`), {
      code: 'ERR_EPOLL_WATCH',
      errno: -errno,
      syscall: 'epoll_wait',
    })
    for (const waiter of this.#waiters.slice()) this.#settle(waiter, null, error)
    process.nextTick(rethrow, error)
  }
}

function rethrow(error: unknown): never {
  throw error
}

function checkHandler(handler: unknown): asserts handler is EventHandler | undefined {
  if (handler !== undefined && typeof handler !== 'function') {
    throw invalidArgType('handler', 'of type function', handler)
  }
}

function checkEventBuffer(out: unknown): asserts out is Uint32Array {
  if (!(out instanceof Uint32Array)) {
    // Imported lazily to keep the hot path free of anything but the instanceof check.
    throw require('./errors').invalidArgType('out', 'an instance of Uint32Array', out)
  }
  if (out.length < 2) {
    throw require('./errors').outOfRange('out.length', '>= 2 (room for one [fd, events] pair)', out.length)
  }
}
