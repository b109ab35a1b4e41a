/**
 * A socket stream's reads and writes on the io_uring engine (see `../fd-stream` for the stream):
 * while the consumer wants data, one multishot receive stays armed (each arrival one completion,
 * with no operation to submit again); when the consumer has enough it is cancelled, and armed
 * again when the consumer asks. A write is one send (the rest of a short send is sent again),
 * completed when the kernel took every byte. Every operation leaves with the rest of the turn's in
 * one `io_uring_enter` (`./driver`). Kernels before 6.0 refuse multishot receives (`EINVAL`): the
 * thread then queues one receive per arrival.
 */
import { constants } from 'node:os'

import { completionError } from '../../internal/errors'
import type { Completer, RingDriver } from './driver'

/** What the stream gives its engine (the stream itself: one shape for every stream). */
export interface RingHost {
  /** Hands a chunk (or the end, `null`) to the consumer: false when it wants no more now. */
  push(chunk: Uint8Array | null): boolean
  /** Fails the stream. */
  destroy(error: Error): void
  /** The engine started or stopped waiting for the kernel (the stream keeps the loop alive while it waits). */
  ringBusyChanged(): void
}

const { ECANCELED, EINVAL, ENOBUFS } = constants.errno

/** Whether this thread's kernel takes multishot receives (until one says `EINVAL`). */
let multishot = true

/** A write in flight: its bytes (what is left of them) and its callback. */
interface InFlight {
  view: Uint8Array
  callback: (error?: Error | null) => void
}

/** The reads and writes of one stream socket, on the ring. */
export class RingStreamIo implements Completer {
  readonly #driver: RingDriver
  readonly #host: RingHost
  readonly #fd: number
  /** The token of the receive in flight (0: none). */
  #recvToken = 0
  #sendToken = 0
  #wantRead = false
  /** A cancellation of the armed receive is on its way (the consumer had enough). */
  #cancelling = false
  #ended = false
  #closed = false
  #writing: InFlight | null = null
  #retry: NodeJS.Immediate | null = null

  constructor(driver: RingDriver, host: RingHost, fd: number) {
    this.#driver = driver
    this.#host = host
    this.#fd = fd
  }

  #arm(): void {
    this.#recvToken = multishot ? this.#driver.recvMulti(this.#fd, this) : this.#driver.recv(this.#fd, this)
  }

  /** Whether the stream waits on the kernel: for data its consumer asked for, or for a write to be taken. */
  get busy(): boolean {
    return !this.#closed && (this.#wantRead || this.#writing !== null)
  }

  /** The consumer wants data. */
  read(): void {
    this.#wantRead = true
    if (this.#recvToken === 0 && !this.#ended && !this.#closed) this.#arm()
    this.#host.ringBusyChanged()
  }

  /** Sends `view`; `callback` runs when the kernel took all of it (or with the error). */
  write(view: Uint8Array, callback: (error?: Error | null) => void): void {
    this.#writing = { view, callback }
    this.#sendToken = this.#driver.send(this.#fd, view, this)
    this.#host.ringBusyChanged()
  }

  /**
   * The stream is destroyed, its fd about to be closed: what is in flight is cancelled (its
   * completions are ignored), and everything queued is submitted first, while the fd is still open.
   */
  close(): void {
    this.#closed = true
    if (this.#retry !== null) clearImmediate(this.#retry)
    if (this.#recvToken !== 0) this.#driver.cancel(this.#recvToken)
    if (this.#sendToken !== 0) this.#driver.cancel(this.#sendToken)
    this.#writing = null
    this.#driver.flush()
  }

  /** @internal The driver hands it a receive's completion. */
  received(result: number, pool: Buffer, offset: number, more: boolean): void {
    if (!more) {
      this.#recvToken = 0
      this.#cancelling = false
    }
    if (this.#closed) return
    if (result > 0) {
      this.#wantRead = this.#host.push(pool.subarray(offset, offset + result))
      if (this.#closed || this.#ended) return
      if (!more) {
        if (this.#wantRead) this.#arm()
      } else if (!this.#wantRead && !this.#cancelling) {
        // The consumer has enough: stop receiving (what arrives before the cancellation is still pushed).
        this.#cancelling = true
        this.#driver.cancel(this.#recvToken)
      }
    } else if (result === 0) {
      this.#ended = true
      this.#wantRead = false
      this.#host.push(null)
    } else if (result === -ENOBUFS) {
      // Every receive buffer is taken by completions not yet reaped: try again after this turn.
      this.#retry = setImmediate(() => {
        this.#retry = null
        if (this.#wantRead) this.read()
      })
    } else if (result === -ECANCELED) {
      // Cancelled because the consumer had enough; it may have asked again since.
      if (this.#wantRead && !this.#ended) this.#arm()
    } else if (result === -EINVAL && multishot) {
      multishot = false
      if (this.#wantRead) this.#arm()
    } else {
      this.#wantRead = false
      this.#host.destroy(completionError(-result, 'recv', `fd ${this.#fd}`))
    }
    this.#host.ringBusyChanged()
  }

  /** @internal The driver hands it a send's completion. */
  sent(result: number): void {
    this.#sendToken = 0
    const writing = this.#writing
    if (writing === null || this.#closed) return
    if (result >= 0 && result < writing.view.byteLength) {
      // A short send (the socket's buffer filled up): the rest goes in the next send.
      writing.view = writing.view.subarray(result)
      this.#sendToken = this.#driver.send(this.#fd, writing.view, this)
      return
    }
    this.#writing = null
    this.#host.ringBusyChanged()
    writing.callback(result < 0 ? completionError(-result, 'send', `fd ${this.#fd}`) : null)
  }
}
