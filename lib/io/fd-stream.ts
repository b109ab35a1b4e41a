/**
 * The `stream.Duplex` over one fd that `openStream` returns (see `./stream` for what it is and does).
 *
 * Reads: one edge-triggered registration on the thread's stream `Epoll` (`./stream-loop`); each
 * readiness runs a read turn (everything there is, up to the budget, in one crossing: `./stream-read`),
 * and a turn that used its budget goes on after `setImmediate`. Writes: straight to the kernel, the
 * rest queued until `EPOLLOUT`, which is watched only while something is queued.
 *
 * A stream socket on a thread whose engine is io_uring (`./ring`) does its reads and writes on the
 * ring instead: the same stream, with a turn's receives and sends in one system call.
 */
import { Duplex, type DuplexOptions } from 'node:stream'

import { EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP } from '../epoll/flags'
import { systemError } from '../internal/errors'
import { shutdown } from '../net/socket'
import { close } from './fd'
import { ringDriver, RingStreamIo } from './ring/index'
import type { StreamKind } from './stream-kind'
import { needLoop, streamEpoll } from './stream-loop'
import { poolOffset, poolTake, poolWithRoom, readBurst, readMessages, STOP_BUDGET, STOP_EOF, STOP_ERROR_NEXT, writeOne, writeViews } from './stream-read'

/** What the stream is made with: the checked options of `openStream`. */
export interface FdStreamSettings {
  close: boolean
  readSize: number
  allowHalfOpen: boolean
  highWaterMark: number | undefined
}

/** Messages one turn reads at most, and the bytes it may fill with them. */
const MESSAGES_PER_TURN = 64
const MESSAGE_TURN_BYTES = 1 << 18
/** A turn of a byte fd stops when less room than this is left (a device refuses a read smaller than its record). */
const MIN_READ = 4096
const READ_EVENTS = (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR) >>> 0
const WRITE_EVENTS = (EPOLLOUT | EPOLLHUP | EPOLLERR) >>> 0
const HANGUP = (EPOLLRDHUP | EPOLLHUP) >>> 0

/** The queued writes the kernel has not taken yet, and the callback that ends them. */
interface PendingWrite {
  views: Uint8Array[]
  index: number
  callback: (error?: Error | null) => void
}

/** A `stream.Duplex` over one fd; made by `openStream`. */
export class FdStream extends Duplex {
  #fd: number
  readonly #kind: StreamKind
  readonly #closeFd: boolean
  readonly #readSize: number
  /** The mask the fd is registered with: read interest always, `EPOLLOUT` while writes wait. */
  #mask: number
  /** An edge came, or a turn stopped on its budget: the fd may have data. */
  #readReady = false
  /** The consumer asked for data (`_read`) and has not been given any since. */
  #wantRead = false
  /** A hang-up was seen: the end of file is still to be read, and no further edge will announce it. */
  #peerGone = false
  #turn: NodeJS.Immediate | null = null
  #pending: PendingWrite | null = null
  /** Whether this stream counts among those keeping the loop alive, and whether it may (`unref()`). */
  #needs = false
  #refed = true
  readonly #state = new Int32Array(1)
  readonly #lengths: Int32Array | null
  /** The stream's I/O on the io_uring engine, or null on epoll. */
  readonly #ring: RingStreamIo | null = null

  /** @internal Use `openStream`. */
  constructor(fd: number, kind: StreamKind, options: FdStreamSettings) {
    // `readable`/`writable: false` (a side the fd's access mode lacks ends at once) are Duplex options
    // since Node 15 that @types/node does not list.
    const duplexOptions: DuplexOptions & { readable: boolean; writable: boolean } = {
      readable: kind.readable,
      writable: kind.writable,
      readableObjectMode: kind.messages,
      allowHalfOpen: options.allowHalfOpen,
      ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    }
    super(duplexOptions)
    this.#fd = fd
    this.#kind = kind
    this.#closeFd = options.close
    this.#readSize = options.readSize
    this.#lengths = kind.messages ? new Int32Array(MESSAGES_PER_TURN) : null
    this.#mask = (EPOLLET | (kind.readable ? EPOLLIN | EPOLLRDHUP : 0)) >>> 0
    const driver = kind.streamSocket ? ringDriver() : null
    if (driver !== null) {
      this.#ring = new RingStreamIo(driver, this, fd)
      return
    }
    try {
      streamEpoll().register(fd, this.#mask, (events) => this.#onEvents(events))
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EPERM') throw error
      throw systemError(
        'EPERM',
        'epoll_ctl',
        `fd ${fd} cannot be watched by epoll: a regular file or directory (or a device without poll support) is always ready; read a file with fs.createReadStream`,
      )
    }
  }

  /** The fd, `-1` once the stream closed it (or let it go, with `close: false`). */
  get fd(): number {
    return this.#fd
  }

  /** The engine doing this stream's I/O: `'io_uring'` (stream sockets, where the kernel gives a ring) or `'epoll'`. */
  get engine(): 'io_uring' | 'epoll' {
    return this.#ring === null ? 'epoll' : 'io_uring'
  }

  /** Whether one chunk is one message (the readable side is in object mode). */
  get messages(): boolean {
    return this.#kind.messages
  }

  /** Lets the stream keep the process alive while it waits for data or for the kernel to take writes (the default). */
  ref(): this {
    this.#refed = true
    this.#updateNeed()
    return this
  }

  /** Lets the process exit even while this stream waits. */
  unref(): this {
    this.#refed = false
    this.#updateNeed()
    return this
  }

  /** @internal Node's stream machinery calls it. */
  override _read(): void {
    if (this.#ring !== null) return this.#ring.read()
    this.#wantRead = true
    this.#updateNeed()
    // Never read from inside `_read`: a flowing consumer calls it again from the push, and an fd that
    // is always ready would never let the event loop go on.
    if (this.#readReady && this.#turn === null) this.#turn = setImmediate(() => this.#readTurn())
  }

  /** @internal Node's stream machinery calls it. */
  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#ring !== null) return this.#ring.write(chunk, callback)
    // The common case first, allocating nothing: the kernel takes the whole chunk at once.
    let written: number
    try {
      written = writeOne(this.#fd, chunk)
    } catch (error) {
      callback(error as Error)
      return
    }
    // WOULD_BLOCK (-1) is never the length: even a 0-byte message waits for room.
    if (written === chunk.byteLength) callback()
    else this.#startWrite([written > 0 ? chunk.subarray(written) : chunk], callback)
  }

  /** @internal Node's stream machinery calls it. */
  override _writev(chunks: { chunk: Uint8Array }[], callback: (error?: Error | null) => void): void {
    // One send of everything queued: sends on the ring are not ordered among themselves.
    if (this.#ring !== null) return this.#ring.write(Buffer.concat(chunks.map((c) => c.chunk)), callback)
    const views = new Array<Uint8Array>(chunks.length)
    for (let i = 0; i < chunks.length; i++) views[i] = chunks[i].chunk
    this.#startWrite(views, callback)
  }

  /** @internal Node's stream machinery calls it. */
  override _final(callback: (error?: Error | null) => void): void {
    if (this.#kind.shutdown && this.#fd >= 0) {
      try {
        shutdown(this.#fd, 'write')
      } catch (error) {
        // The peer is gone already: nothing is left to end.
        if ((error as { code?: unknown }).code !== 'ENOTCONN') return callback(error as Error)
      }
    }
    callback()
  }

  /** @internal Node's stream machinery calls it. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#turn !== null) clearImmediate(this.#turn)
    this.#turn = null
    this.#pending = null
    this.#wantRead = false
    this.#readReady = false
    const fd = this.#fd
    this.#fd = -1
    this.#updateNeed()
    // On the ring, what is in flight is cancelled; it holds the socket open until it completes.
    if (this.#ring !== null) this.#ring.close()
    else if (fd >= 0) {
      try {
        // Before the close: the number may be reused at once, and must not meet this stream's handler.
        streamEpoll().unregister(fd)
      } catch {
        // Closed behind the stream's back: the kernel dropped it already.
      }
    }
    if (fd >= 0) {
      if (this.#closeFd) {
        try {
          close(fd)
        } catch (closeError) {
          error ??= closeError as Error
        }
      }
    }
    callback(error)
  }

  /** @internal The io_uring engine started or stopped waiting for the kernel for this stream. */
  ringBusyChanged(): void {
    this.#updateNeed()
  }

  #onEvents(events: number): void {
    if (this.#fd < 0) return
    if ((events & HANGUP) !== 0) this.#peerGone = true
    if (this.#pending !== null && (events & WRITE_EVENTS) !== 0) this.#flush()
    if (this.#kind.readable && (events & READ_EVENTS) !== 0) {
      this.#readReady = true
      if (this.#wantRead && this.#turn === null) this.#readTurn()
    }
  }

  /** Reads what the fd has (up to the budget) and pushes it; goes on after `setImmediate` while there may be more. */
  #readTurn(): void {
    this.#turn = null
    if (this.#fd < 0 || !this.#wantRead || this.destroyed) return
    const state = this.#state
    let stop: number
    try {
      stop = this.#lengths === null ? this.#readBytes(state) : this.#readMessageBatch(state)
    } catch (error) {
      if (this.#kind.ptyMaster && (error as { code?: unknown }).code === 'EIO') {
        stop = STOP_EOF
      } else {
        this.destroy(error as Error)
        return
      }
    }
    if (this.#fd < 0) return
    if (stop === STOP_EOF) {
      this.#readReady = false
      this.#wantRead = false
      this.#updateNeed()
      this.push(null)
      return
    }
    this.#readReady = stop === STOP_BUDGET || stop === STOP_ERROR_NEXT
    if (this.#readReady && this.#wantRead) this.#turn = setImmediate(() => this.#readTurn())
    this.#updateNeed()
  }

  #readBytes(state: Int32Array): number {
    const size = this.#readSize
    const pool = poolWithRoom(size)
    const offset = poolOffset()
    // After a hang-up the end of file is still to be read, and no edge will announce it: read to it.
    const shortDrains = this.#kind.shortReadDrains && !this.#peerGone
    const bytes = readBurst(this.#fd, pool, offset, size, Math.min(MIN_READ, size), shortDrains, state)
    if (bytes > 0) {
      poolTake(bytes)
      this.#wantRead = this.push(pool.subarray(offset, offset + bytes))
    }
    return state[0]
  }

  #readMessageBatch(state: Int32Array): number {
    const lengths = this.#lengths!
    const room = Math.max(this.#readSize, MESSAGE_TURN_BYTES)
    const pool = poolWithRoom(room)
    let at = poolOffset()
    const count = readMessages(this.#fd, pool, at, room, this.#readSize, lengths, this.#kind.emptyMessages, state)
    let total = 0
    for (let i = 0; i < count; i++) total += lengths[i]
    poolTake(total)
    for (let i = 0; i < count; i++) {
      const end = at + lengths[i]
      // Pushed even when the consumer is full: the messages are read and must not be lost.
      this.#wantRead = this.push(pool.subarray(at, end))
      at = end
    }
    return state[0]
  }

  #startWrite(views: Uint8Array[], callback: (error?: Error | null) => void): void {
    this.#pending = { views, index: 0, callback }
    this.#flush()
  }

  /** Writes what is queued; done, the write's callback runs, else `EPOLLOUT` is watched until the kernel has room. */
  #flush(): void {
    const pending = this.#pending!
    try {
      pending.index = writeViews(this.#fd, pending.views, pending.index, this.#kind.messages)
    } catch (error) {
      this.#pending = null
      this.#watchOut(false)
      pending.callback(error as Error)
      return
    }
    if (pending.index < pending.views.length) {
      this.#watchOut(true)
      return
    }
    this.#pending = null
    this.#watchOut(false)
    pending.callback()
  }

  #watchOut(on: boolean): void {
    const mask = on ? (this.#mask | EPOLLOUT) >>> 0 : (this.#mask & ~EPOLLOUT) >>> 0
    if (mask !== this.#mask && this.#fd >= 0) {
      this.#mask = mask
      streamEpoll().modify(this.#fd, mask)
    }
    this.#updateNeed()
  }

  /** Counts this stream among those keeping the loop alive while it waits for data or for write room. */
  #updateNeed(): void {
    const waits = this.#ring !== null ? this.#ring.busy : this.#wantRead || this.#pending !== null
    const needs = this.#refed && this.#fd >= 0 && waits
    if (needs !== this.#needs) {
      this.#needs = needs
      needLoop(needs)
    }
  }
}
