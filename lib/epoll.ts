/**
 * The `Epoll` class: Python's `select.epoll` with TypeScript idioms. This file holds the synchronous
 * surface (register/modify/unregister, blocking polls, closing); every argument is checked here
 * before the native binding is called.
 */
import { DEFAULT_EVENTS } from './constants'
import { closedError } from './errors'
import { requireNative } from './native'
import type { NativeEpoll } from '../binding'
import { type Fd, toEvents, toFd, toOptionalBoolean, toOptions, toPositiveInt32, toTimeout } from './validate'

/** One ready fd: `[fd, events]`. */
export type EpollEvent = [fd: number, events: number]

export interface EpollOptions {
  /** Create the fd with `EPOLL_CLOEXEC` so that child processes do not inherit it. Default `true`. */
  closeOnExec?: boolean
}

/** One `epoll_wait` returns at most this many events, whatever `maxEvents` asks (more take more calls). */
export const MAX_EVENTS_PER_POLL = 65536

/** Set while `fromFd` constructs: tells the constructor to adopt instead of create. */
let adopting: NativeEpoll | null = null

/** Reused by `poll()`: the kernel writes `[fd, events]` pairs here, then JS builds the tuples. */
let scratch = new Uint32Array(2 * 64)

export class Epoll implements Disposable {
  #native: NativeEpoll | null
  #fd: number

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
    return this.#fd
  }

  /** The epoll fd, like Python's `fileno()`. Throws `ERR_EPOLL_CLOSED` once closed. */
  fileno(): number {
    this.#open('get the fd of')
    return this.#fd
  }

  get closed(): boolean {
    return this.#native === null
  }

  /** How many fds are registered. */
  get size(): number {
    return this.#open('count registrations of').size
  }

  /** Whether `fd` is registered with this instance. */
  has(fd: Fd): boolean {
    const checked = toFd(fd)
    return this.#open('query').has(checked)
  }

  /** Starts watching `fd` (`EPOLL_CTL_ADD`). Default events: `EPOLLIN | EPOLLPRI | EPOLLOUT`. */
  register(fd: Fd, events: number = DEFAULT_EVENTS): this {
    const checkedFd = toFd(fd)
    const checkedEvents = toEvents(events)
    this.#open('register with').register(checkedFd, checkedEvents)
    return this
  }

  /** Changes what `fd` is watched for (`EPOLL_CTL_MOD`); also re-arms an `EPOLLONESHOT` fd. */
  modify(fd: Fd, events: number): this {
    const checkedFd = toFd(fd)
    const checkedEvents = toEvents(events)
    this.#open('modify').modify(checkedFd, checkedEvents)
    return this
  }

  /** Stops watching `fd` (`EPOLL_CTL_DEL`). */
  unregister(fd: Fd): this {
    const checkedFd = toFd(fd)
    this.#open('unregister from').unregister(checkedFd)
    return this
  }

  /**
   * Blocks the thread in `epoll_wait` until an fd is ready or `timeout` ms pass (fractions round up;
   * `-1`, `Infinity` or `undefined` wait forever; signals do not end the wait early). Returns
   * `[fd, events]` pairs; `[]` on timeout. `maxEvents` defaults to the number of registered fds.
   */
  poll(timeout?: number, maxEvents?: number): EpollEvent[] {
    const ms = toTimeout(timeout)
    const native = this.#open('poll')
    const max = Math.min(
      maxEvents === undefined ? Math.max(native.size, 1) : toPositiveInt32(maxEvents, 'maxEvents'),
      MAX_EVENTS_PER_POLL,
    )
    if (scratch.length < 2 * max) scratch = new Uint32Array(2 * max)
    const out = max * 2 === scratch.length ? scratch : scratch.subarray(0, 2 * max)
    const count = native.pollInto(out, ms)
    const events: EpollEvent[] = new Array(count)
    for (let i = 0; i < count; i++) events[i] = [out[2 * i], out[2 * i + 1]]
    return events
  }

  /**
   * `poll()` without allocation: writes `out[2i] = fd`, `out[2i + 1] = events` and returns how many
   * events it wrote. `out` must have room for at least one event (length >= 2).
   */
  pollInto(out: Uint32Array, timeout?: number): number {
    checkEventBuffer(out)
    const ms = toTimeout(timeout)
    return this.#open('poll').pollInto(out, ms)
  }

  /** Closes the epoll fd. Idempotent. Registered fds stay open: they belong to the caller. */
  close(): void {
    const native = this.#native
    if (native === null) return
    this.#native = null
    this.#fd = -1
    native.close()
  }

  [Symbol.dispose](): void {
    this.close()
  }

  get [Symbol.toStringTag](): string {
    return 'Epoll'
  }

  #open(operation: string): NativeEpoll {
    if (this.#native === null) throw closedError(operation)
    return this.#native
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
