/**
 * `datagrams()` on the io_uring engine: one multishot datagram receive stays armed while the loop
 * wants more (each datagram a completion, with its sender, into a provided buffer: no system call
 * per datagram or per batch), and every `reply()` is a send-to that leaves with the rest of the
 * turn's operations in one `io_uring_enter`. The loop reads exactly as on epoll (`./datagrams`).
 *
 * `data` is copied out of the pool the ring's completions land in (or, with `views: true`, is a
 * view of that pool, which is never written again: valid for as long as it is kept).
 */
import { constants } from 'node:os'

import { abortErrorOf } from '../internal/abort'
import { completionError, socketClosed } from '../internal/errors'
import { type Fd, validateViewLength } from '../internal/validators'
import { noteWatcher } from '../internal/watched'
import type { Completer, RingDriver } from '../io/ring/driver'
import { needLoop } from '../io/stream-loop'
import { decodeAddress } from './address'
import { isClosed } from './connections'
import { sendTo } from './datagram'
import type { IncomingDatagram } from './datagrams'
import { decodeIpv4Fast } from './sender-memo'
import type { PeerAddress, Socket } from './socket-object'

const { ECANCELED, ENOBUFS } = constants.errno
/** A sender this short has no name to answer (an unnamed unix socket): answers take the synchronous path, which says why. */
const UNNAMED = 2

/**
 * One received datagram, shaped as on epoll: a plain object with its own `data`, `address`,
 * `truncated` and a `reply` closure (destructuring `const { reply } = d`, or spreading `{ ...d }`,
 * works as it does there).
 */
function incoming(feed: DatagramFeed, data: Uint8Array, name: Uint8Array, truncated: boolean): IncomingDatagram {
  // As `recvFrom` decodes its sender (an unnamed unix peer is `{ address: '', family: 'unix' }` there too).
  const address: PeerAddress = decodeIpv4Fast(name, name.length) ?? decodeAddress(name, 0, name.length)
  const reply = (answer: ArrayBufferView | string): void => {
    const bytes = typeof answer === 'string' ? Buffer.from(answer) : answer
    const size = validateViewLength(bytes, 'data')
    const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, size)
    feed.answer(view, name, address)
  }
  return { data, address, truncated, reply }
}

/** The receiving side of one iteration: the armed receive, the datagrams not yet taken, the waiting step. */
class DatagramFeed implements Completer {
  readonly #driver: RingDriver
  readonly #fd: number
  readonly #source: Fd | Socket
  readonly #views: boolean
  readonly #limit: number
  readonly #slotSize: number
  #queue: IncomingDatagram[] = []
  #head = 0
  #token = 0
  #cancelling = false
  #retry: NodeJS.Immediate | null = null
  #error: Error | null = null
  #stopped = false
  #wake: (() => void) | null = null

  constructor(driver: RingDriver, fd: number, source: Fd | Socket, views: boolean, limit: number, slotSize: number) {
    this.#driver = driver
    this.#slotSize = slotSize
    this.#fd = fd
    this.#source = source
    this.#views = views
    this.#limit = limit
    this.#arm()
  }

  /** The next datagram, `null` when none is waiting; throws what failed since the last step. */
  take(): IncomingDatagram | null {
    if (this.#error !== null) {
      const error = this.#error
      this.#error = null
      throw error
    }
    if (this.#head < this.#queue.length) {
      const next = this.#queue[this.#head]
      this.#queue[this.#head++] = undefined as never
      return next
    }
    if (this.#head > 0) {
      this.#queue = []
      this.#head = 0
    }
    // Paused because the loop fell behind: it caught up.
    if (this.#token === 0 && !this.#stopped && this.#retry === null) this.#arm()
    return null
  }

  /**
   * Resolves when a datagram or an error arrives, or the iteration is stopped. A waiting loop keeps
   * the process alive, as a pending `epoll.readable()` does on epoll.
   */
  wait(): Promise<void> {
    needLoop(true)
    return new Promise((resolve) => (this.#wake = resolve))
  }

  /** Wakes a waiting step (an abort). */
  wake(): void {
    const wake = this.#wake
    if (wake === null) return
    this.#wake = null
    needLoop(false)
    wake()
  }

  get ended(): boolean {
    return this.#stopped
  }

  /**
   * Stops receiving (the loop ended, or the Socket is closing): the armed receive is cancelled, and
   * everything queued (the last answers) is submitted now, while the fd is still open.
   */
  stop(): void {
    this.#stopped = true
    if (this.#retry !== null) clearImmediate(this.#retry)
    this.#retry = null
    if (this.#token !== 0 && !this.#cancelling) {
      this.#cancelling = true
      this.#driver.cancel(this.#token)
    }
    this.#driver.flush()
    this.wake()
  }

  // What a Socket asks of whoever watches it (`../internal/watched`): closing it stops the feed
  // before its fd is closed.
  get closed(): boolean {
    return this.#stopped
  }

  has(fd: Fd): boolean {
    return fd === this.#fd && !this.#stopped
  }

  unregister(): void {
    this.stop()
  }

  /** Sends `bytes` to the raw address `name` (decoded: `address`) through the ring. */
  answer(bytes: Uint8Array, name: Uint8Array, address: PeerAddress): void {
    if (isClosed(this.#source)) throw socketClosed()
    if (name.length <= UNNAMED) {
      sendTo(this.#fd, bytes, address)
      return
    }
    this.#driver.sendTo(this.#fd, bytes, name, this)
    // After the loop, an answer leaves at once: the fd may be closed right after.
    if (this.#stopped) this.#driver.flush()
  }

  /** @internal The driver hands it a datagram. */
  datagram(result: number, pool: Buffer, offset: number, nameLength: number, truncated: boolean, more: boolean): void {
    if (!more) {
      this.#token = 0
      this.#cancelling = false
    }
    if (result >= 0 && offset >= 0) {
      const name = pool.subarray(offset - nameLength, offset)
      // Bytes past `slotSize` are cut, as on epoll.
      const kept = Math.min(result, this.#slotSize)
      const view = pool.subarray(offset, offset + kept)
      // A copy of its own, from Node's Buffer pool for small ones (no allocation per datagram);
      // with `views`, the bytes where the ring put them (that memory is never written again).
      let data = view
      if (!this.#views) {
        data = Buffer.allocUnsafe(kept)
        data.set(view)
      }
      this.#queue.push(incoming(this, data, name, truncated || kept < result))
      if (more && !this.#cancelling && this.#queue.length - this.#head >= this.#limit) {
        // The loop falls behind: stop receiving until it catches up (the kernel buffers meanwhile).
        this.#cancelling = true
        this.#driver.cancel(this.#token)
      }
    } else if (result === -ENOBUFS) {
      // Every receive buffer is taken by completions not yet reaped: arm again after this turn.
      this.#retry = setImmediate(() => {
        this.#retry = null
        if (!this.#stopped && this.#token === 0) this.#arm()
      })
    } else if (result !== -ECANCELED) {
      this.#error = completionError(-result, 'recvmsg', `fd ${this.#fd}`)
    }
    this.wake()
  }

  /** @internal The driver hands it an answer's completion. */
  sent(result: number): void {
    // An answer that failed fails the loop's next step (nothing is left to tell once it ended).
    if (result < 0 && !this.#stopped) {
      this.#error = completionError(-result, 'sendto', `fd ${this.#fd}`)
      this.wake()
    }
  }

  #arm(): void {
    this.#token = this.#driver.recvDatagrams(this.#fd, this)
  }
}

/** The largest `slotSize` the ring serves: a receive buffer less its header and the sender's room. */
export function ringSlotLimit(bufferSize: number): number {
  return bufferSize - 16 - 128
}

/**
 * The datagrams of `fd` (checked, non-blocking), received on the ring: what `datagrams()` yields
 * on the io_uring engine. At most `limit` datagrams wait for the loop before receiving pauses;
 * each keeps at most `slotSize` bytes.
 */
export async function* ringDatagrams(
  driver: RingDriver,
  fd: number,
  source: Fd | Socket,
  signal: AbortSignal | undefined,
  views: boolean,
  limit: number,
  slotSize: number,
): AsyncGenerator<IncomingDatagram, void, undefined> {
  const feed = new DatagramFeed(driver, fd, source, views, limit, slotSize)
  // Closing the Socket stops the feed first (it watches the Socket as an Epoll would).
  noteWatcher(source, feed)
  const onAbort = (): void => feed.wake()
  signal?.addEventListener('abort', onAbort)
  try {
    for (;;) {
      if (signal?.aborted) throw abortErrorOf(signal)
      let next = feed.take()
      if (next === null && !feed.ended) {
        // Every datagram received so far is answered: submit the answers and collect what
        // arrived meanwhile now, in one system call, rather than in a later phase of the loop.
        driver.turnNow()
        next = feed.take()
      }
      if (next !== null) {
        yield next
        continue
      }
      if (feed.ended || isClosed(source)) return
      await feed.wait()
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    feed.stop()
  }
}
