/**
 * The `Epoll` class: Python's `select.epoll` with TypeScript idioms. Blocking polls
 * (`poll`/`pollInto`) and delivery on the event loop (handlers, `wait()`, async iteration) work on the
 * same instance. This file checks every argument and talks to the native instance; what happens to
 * an event on the event loop is {@link Delivery}'s job (`./delivery`).
 */
import { isMainThread } from 'node:worker_threads'

import type { NativeEpoll } from '../../binding'
import { abortErrorOf } from '../internal/abort'
import { closedError, invalidArgType, invalidThis } from '../internal/errors'
import { hotCall, requireNative } from '../internal/native'
import { noteWatcher } from '../internal/watched'
import { type Fd, validateEventBuffer, validateEvents, validateFd, validateOptionalBoolean, validateOptionalFunction, validateOptionalSignal, validateOptions, validatePositiveInt32, validateTimeout } from '../internal/validators'
import { type BusyPollOptions, validateBusyPoll } from './busy-poll'
import { Delivery, type EpollEvent, type EventHandler, mergeByFd } from './delivery'
import { DEFAULT_EVENTS } from './flags'
import { type Direction, ReadinessWaits } from './readiness'

export type { EpollEvent, EventHandler } from './delivery'

/** Options of {@link Epoll.wait}. */
export interface WaitOptions {
  /** Milliseconds (fractions allowed) before resolving `[]`; omitted, `-1` or `Infinity` wait until an event arrives. */
  timeout?: number
  /** At most this many events in the returned batch (the rest stay for the next wait). */
  maxEvents?: number
  /** Rejects the wait with an `AbortError` when aborted. */
  signal?: AbortSignal
}

/** Options of {@link Epoll.readable} and {@link Epoll.writable}. */
export interface ReadinessOptions {
  /** Milliseconds (fractions allowed) before resolving `0`; omitted, `-1` or `Infinity` wait until ready. */
  timeout?: number
  /** Rejects with an `AbortError` when aborted. */
  signal?: AbortSignal
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

/**
 * A worker's blocking poll waits in slices of this many ms: between slices JavaScript runs for an
 * instant, which is where `worker.terminate()` (and `process.exit()` on the main thread, which
 * terminates workers) takes effect. A busy server never notices: its polls return with events first.
 */
const WORKER_POLL_SLICE_MS = 100

/** The binding's plain `epoll_wait` function (no per-call receiver bookkeeping). */
const nativePollInto = hotCall('pollInto')

/** `epoll_wait` on an instance the caller checked is open. */
function waitInto(native: NativeEpoll, out: Uint32Array, ms: number): number {
  const wait = nativePollInto
  if (isMainThread || (ms >= 0 && ms <= WORKER_POLL_SLICE_MS)) return wait(native, out, ms)
  const end = ms < 0 ? Infinity : performance.now() + ms
  for (;;) {
    const left = end - performance.now()
    const count = wait(native, out, left <= WORKER_POLL_SLICE_MS ? Math.max(left, 0) : WORKER_POLL_SLICE_MS)
    if (count !== 0 || left <= WORKER_POLL_SLICE_MS) return count
  }
}

/** The native instance of an open `Epoll` (`ERR_EPOLL_CLOSED` once closed), for the package's own calls. */
export let nativeOf: (ep: Epoll) => NativeEpoll

/**
 * Throws `ERR_INVALID_ARG_TYPE` unless `value` was made by the `Epoll` constructor: a brand check, so
 * an object made with `Object.create(Epoll.prototype)` is refused as the argument `name`.
 */
export function validateEpoll(value: unknown, name: string): asserts value is Epoll {
  if (typeof value !== 'object' || value === null || !isEpoll(value)) throw invalidArgType(name, 'an instance of Epoll', value)
}
let isEpoll: (value: object) => boolean

/** Reused by `poll()`: the kernel writes `[fd, events]` pairs here, then JS builds the tuples. */
let scratch = new Uint32Array(2 * 64)

/** Handed to the constructor by {@link Epoll.fromFd} only: adopt this native instance. */
const adoptKey = Symbol('adopt')

/**
 * A Linux epoll instance, modelled on Python's `select.epoll`: register fds with an event mask, then
 * either block in {@link Epoll.poll} / {@link Epoll.pollInto}, or let events arrive on the event loop
 * through handlers, {@link Epoll.wait} and `for await`. Closed by {@link Epoll.close}, by `using`, or
 * by the garbage collector once unreachable and idle.
 */
export class Epoll implements Disposable, AsyncIterable<EpollEvent[]> {
  #native: NativeEpoll | null
  #fd: number
  readonly #delivery: Delivery
  readonly #readiness: ReadinessWaits

  /** Creates an epoll instance (`epoll_create1`). @param options `closeOnExec` (default `true`): `EPOLL_CLOEXEC`. */
  constructor(options?: EpollOptions) {
    const adopted = (options as { [adoptKey]?: NativeEpoll } | undefined)?.[adoptKey]
    if (adopted !== undefined) {
      this.#native = adopted
    } else {
      const opts = validateOptions<EpollOptions>(options)
      const closeOnExec = validateOptionalBoolean(opts.closeOnExec, 'options.closeOnExec') ?? true
      this.#native = new (requireNative().NativeEpoll)(closeOnExec)
    }
    this.#fd = this.#native.fd
    this.#delivery = new Delivery(this.#native)
    this.#readiness = new ReadinessWaits(this.#native, this.#delivery)
  }

  /**
   * Adopts an existing epoll fd; the new instance owns it and closes it. Refused (and left open) when
   * it is not an epoll fd or another `Epoll` of this process already owns it. Registrations made
   * before adoption count in `size` and `has()`.
   * @param fd An open epoll fd, owned by no other `Epoll`; the instance owns it from now on and closes it.
   */
  static fromFd(fd: number): Epoll {
    const native = requireNative().NativeEpoll.fromFd(validateFd(fd))
    return new Epoll({ [adoptKey]: native } as EpollOptions)
  }

  /** The epoll fd, `-1` once closed. */
  get fd(): number {
    Epoll.#brand(this)
    return this.#fd
  }

  /** The epoll fd, like Python's `fileno()`. Throws `ERR_EPOLL_CLOSED` once closed. */
  fileno(): number {
    Epoll.#brand(this)
    this.#open()
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
    return this.#open().size
  }

  /** Whether `fd` (a number, or an object with a numeric `fd`) is registered. @param fd The fd. */
  has(fd: Fd): boolean {
    Epoll.#brand(this)
    const checked = validateFd(fd)
    return this.#open().has(checked)
  }

  /**
   * Starts watching `fd` (`EPOLL_CTL_ADD`). Default events: `EPOLLIN | EPOLLPRI | EPOLLOUT`. With a
   * `handler`, its events run `handler(events, fd)` on the event loop; without one they go to
   * `wait()`, the async iterator, or `poll()`.
   * @param fd The fd to watch: a number, or any object with a numeric `fd`.
   * @param events The `EPOLL*` flags to watch for, combined with `|`.
   * @param handler Runs on the event loop as `handler(events, fd)` for each event of this fd.
   */
  register(fd: Fd, events: number = DEFAULT_EVENTS, handler?: EventHandler): this {
    Epoll.#brand(this)
    const checkedFd = validateFd(fd)
    const checkedEvents = validateEvents(events)
    validateOptionalFunction(handler, 'handler')
    const native = this.#open()
    native.register(checkedFd, checkedEvents)
    // The kernel took it, so any state kept under this number belonged to an fd closed without
    // unregister: none of it may reach the new registration (pending readable()/writable() of the
    // old fd resolve 0, and their timeouts can no longer touch the number).
    this.#readiness.ended(checkedFd)
    this.#delivery.forget(checkedFd)
    try {
      this.#delivery.registered()
      if (handler !== undefined) this.#delivery.setHandler(checkedFd, handler)
    } catch (error) {
      native.unregister(checkedFd)
      this.#delivery.forget(checkedFd)
      throw error
    }
    noteWatcher(fd, this)
    return this
  }

  /**
   * Changes what `fd` is watched for (`EPOLL_CTL_MOD`); also re-arms an `EPOLLONESHOT` fd. A given
   * `handler` replaces the current one; omitted, the current one (or none) stays.
   * @param fd A registered fd.
   * @param events The new `EPOLL*` flags (re-arms an `EPOLLONESHOT` fd).
   * @param handler A new handler; without one the current handler stays.
   */
  modify(fd: Fd, events: number, handler?: EventHandler): this {
    Epoll.#brand(this)
    const checkedFd = validateFd(fd)
    const checkedEvents = validateEvents(events)
    validateOptionalFunction(handler, 'handler')
    const native = this.#open()
    try {
      native.modify(checkedFd, checkedEvents)
    } finally {
      // A refusal because the fd is gone (EBADF/ENOENT) unregistered it: nothing of it may stay,
      // not even a handler that would keep the process alive.
      if (!native.has(checkedFd)) {
        this.#readiness.ended(checkedFd)
        this.#delivery.forget(checkedFd)
      }
    }
    // The kernel re-evaluates the fd under the new mask: an event kept from the old one is void.
    this.#delivery.dropKept(checkedFd)
    if (handler !== undefined) this.#delivery.setHandler(checkedFd, handler)
    return this
  }

  /**
   * Stops watching `fd` (`EPOLL_CTL_DEL`) and forgets its handler and any event not yet taken.
   * @param fd A registered fd.
   */
  unregister(fd: Fd): this {
    Epoll.#brand(this)
    const checkedFd = validateFd(fd)
    const native = this.#open()
    try {
      native.unregister(checkedFd)
    } finally {
      // Even when the kernel had already dropped it (EBADF/ENOENT), nothing of it may be delivered.
      if (!native.has(checkedFd)) {
        this.#readiness.ended(checkedFd)
        this.#delivery.forget(checkedFd)
      }
    }
    return this
  }

  /**
   * Resolves with the events once `fd` is readable (`EPOLLIN`, or a hang-up or error), `0` when
   * `timeout` ms pass first (never earlier). The fd is registered one-shot while the promise is
   * pending and unregistered afterwards; several pending on the same fd share that registration and
   * resolve on the same readiness. An fd registered through `register` is refused with `EEXIST`.
   * Rejects with an `AbortError` on abort and `ERR_EPOLL_CLOSED` when the instance closes.
   * @param fd The fd to wait for: a number, or any object with a numeric `fd`.
   * @param options `timeout` in ms (then resolves `0`) and `signal` (then rejects).
   */
  readable(fd: Fd, options?: ReadinessOptions): Promise<number> {
    return this.#readinessOf(fd, 'readable', options)
  }

  /**
   * As {@link Epoll.readable}, for writability (`EPOLLOUT`, or a hang-up or error).
   * @param fd The fd to wait for: a number, or any object with a numeric `fd`.
   * @param options `timeout` in ms (then resolves `0`) and `signal` (then rejects).
   */
  writable(fd: Fd, options?: ReadinessOptions): Promise<number> {
    return this.#readinessOf(fd, 'writable', options)
  }

  #readinessOf(fd: Fd, direction: Direction, options: ReadinessOptions | undefined): Promise<number> {
    if (typeof this !== 'object' || this === null || !(#native in this)) return Promise.reject(invalidThis('Epoll'))
    try {
      const checkedFd = validateFd(fd)
      const opts = validateOptions<ReadinessOptions>(options)
      const timeout = validateTimeout(opts.timeout, 'options.timeout')
      const signal = validateOptionalSignal(opts.signal, 'options.signal')
      this.#open()
      if (signal?.aborted) return Promise.reject(abortErrorOf(signal))
      noteWatcher(fd, this)
      return this.#readiness.wait(checkedFd, direction, timeout, signal)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Resolves with the next batch of events of fds that have no handler: at once if some arrived while
   * nobody was waiting, `[]` when `timeout` ms pass (never earlier). Rejects with an `AbortError`
   * when `signal` aborts and with `ERR_EPOLL_CLOSED` when the instance is closed. Concurrent waits
   * are served in order.
   * @param options `timeout` in ms (then resolves `[]`), `maxEvents`, and `signal` (then rejects).
   */
  wait(options?: WaitOptions): Promise<EpollEvent[]> {
    if (typeof this !== 'object' || this === null || !(#native in this)) return Promise.reject(invalidThis('Epoll'))
    try {
      const opts = validateOptions<WaitOptions>(options)
      const timeout = validateTimeout(opts.timeout, 'options.timeout')
      const maxEvents = opts.maxEvents === undefined ? MAX_EVENTS_PER_POLL : validatePositiveInt32(opts.maxEvents, 'options.maxEvents')
      const signal = validateOptionalSignal(opts.signal, 'options.signal')
      this.#open()
      if (signal?.aborted) return Promise.reject(abortErrorOf(signal))
      return this.#delivery.wait(maxEvents, timeout, signal)
    } catch (error) {
      return Promise.reject(error)
    }
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
    this.#delivery.setRef(true)
    return this
  }

  /** Lets the process exit even while handlers are registered or waits are pending. Idempotent. */
  unref(): this {
    Epoll.#brand(this)
    this.#delivery.setRef(false)
    return this
  }

  /** Whether handlers and pending waits keep the process alive. */
  hasRef(): boolean {
    Epoll.#brand(this)
    return this.#delivery.refed
  }

  /** How readiness reaches the event loop: `'libuv'` (Node), `'thread'` (fallback), `'none'` yet. */
  get watcher(): 'libuv' | 'thread' | 'none' {
    Epoll.#brand(this)
    return this.#native === null ? 'none' : this.#native.watcherKind
  }

  /**
   * Blocks the thread in `epoll_wait` until an fd is ready or `timeout` ms pass (never earlier;
   * `-1`, `Infinity` or `undefined` wait forever; signals do not end the wait early). Returns
   * `[fd, events]` pairs; `[]` on timeout. `maxEvents` defaults to {@link DEFAULT_MAX_EVENTS} (1024).
   * Events the event loop kept for `wait()` (fds without a handler) come first.
   * @param timeout How long to block, in ms; `-1`, `Infinity` or omitted: until an event.
   * @param maxEvents The most events to return (default `DEFAULT_MAX_EVENTS`); more come next time.
   */
  poll(timeout?: number, maxEvents?: number): EpollEvent[] {
    Epoll.#brand(this)
    const ms = validateTimeout(timeout)
    const max = maxEvents === undefined ? DEFAULT_MAX_EVENTS : Math.min(validatePositiveInt32(maxEvents, 'maxEvents'), MAX_EVENTS_PER_POLL)
    this.#open()
    if (scratch.length < 2 * max) scratch = new Uint32Array(2 * max)
    const out = max * 2 === scratch.length ? scratch : scratch.subarray(0, 2 * max)
    const count = this.#pollInto(out, ms)
    // Preallocated and filled by index: the fastest way V8 builds these (measured against push).
    const events: EpollEvent[] = new Array(count)
    for (let i = 0; i < count; i++) events[i] = [out[2 * i], out[2 * i + 1]]
    return events
  }

  /**
   * `poll()` without allocation: writes `out[2i] = fd`, `out[2i + 1] = events` and returns how many
   * events it wrote. `out` must have room for at least one event (length >= 2).
   * @param out Receives `out[2i] = fd`, `out[2i + 1] = events`; its length bounds the number of events.
   * @param timeout How long to block, in ms, as for `poll`.
   */
  pollInto(out: Uint32Array, timeout?: number): number {
    Epoll.#brand(this)
    validateEventBuffer(out)
    const ms = validateTimeout(timeout)
    this.#open()
    return this.#pollInto(out, ms)
  }

  /** The kept events first (then whatever else is ready now), else a blocking wait. */
  #pollInto(out: Uint32Array, ms: number): number {
    const delivery = this.#delivery
    delivery.rearmTaken()
    if (!delivery.hasKept) return waitInto(this.#native!, out, ms)
    const kept = delivery.take(out.length >>> 1)
    for (let i = 0; i < kept.length; i++) {
      out[2 * i] = kept[i][0]
      out[2 * i + 1] = kept[i][1]
    }
    if (2 * kept.length === out.length) return kept.length
    const more = waitInto(this.#native!, out.subarray(2 * kept.length), 0)
    return mergeByFd(out, kept.length, more)
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
    native.close()
    this.#delivery.close()
    this.#readiness.close()
  }

  /**
   * Sets the busy-poll parameters (`EPIOCSPARAMS`, Linux >= 6.9; elsewhere an `ENOTTY` error that says
   * so). Omitted fields are 0 / `false`. A `budget` above 64 needs `CAP_NET_ADMIN` (else `EPERM`).
   * @param options `usecs` to busy-poll before sleeping, `budget` (packets per round), `prefer`.
   */
  setBusyPoll(options: BusyPollOptions): this {
    Epoll.#brand(this)
    const { usecs, budget, prefer } = validateBusyPoll(options)
    this.#open().setBusyPoll(usecs, budget, prefer)
    return this
  }

  /** The busy-poll parameters (`EPIOCGPARAMS`, Linux >= 6.9); a fresh instance reads back zeros. */
  getBusyPoll(): Required<BusyPollOptions> {
    Epoll.#brand(this)
    return this.#open().getBusyPoll()
  }

  /** Closes the instance at the end of a `using` block: the same as {@link Epoll.close}. */
  [Symbol.dispose](): void {
    this.close()
  }

  /** `'Epoll'`, for `Object.prototype.toString`. */
  get [Symbol.toStringTag](): string {
    return 'Epoll'
  }

  #open(): NativeEpoll {
    if (this.#native === null) throw closedError()
    return this.#native
  }

  static {
    // The package's own calls that wait on an instance (`pollRead`) reach its native half here, not
    // through a public member.
    nativeOf = (ep) => ep.#open()
    isEpoll = (value) => #native in value
  }

  /** Throws `ERR_INVALID_THIS` unless `self` is an `Epoll` (a method borrowed onto another object). */
  static #brand(self: unknown): asserts self is Epoll {
    if (typeof self !== 'object' || self === null || !(#native in self)) throw invalidThis('Epoll')
  }
}
