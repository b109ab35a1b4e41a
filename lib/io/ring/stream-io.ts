/**
 * A socket stream's reads and writes on the io_uring engine (see `../fd-stream` for the stream):
 * a receive is queued whenever the consumer wants data and none is in flight; a write is one send
 * (the rest of a short send is sent again), completed when the kernel took every byte. Every
 * operation leaves with the rest of the turn's in one `io_uring_enter` (`./driver`).
 */
import { constants } from 'node:os'

import { completionError } from '../../internal/errors'
import type { Completer, RingDriver } from './driver'

/** What the stream gives its engine. */
export interface RingHost {
  readonly fd: number
  /** Hands a chunk (or the end, `null`) to the consumer: false when it wants no more now. */
  push(chunk: Uint8Array | null): boolean
  /** Fails the stream. */
  destroy(error: Error): void
  /** The engine started or stopped waiting for the kernel (the stream keeps the loop alive while it waits). */
  busyChanged(): void
}

const { ECANCELED, ENOBUFS } = constants.errno

/** A write in flight: its bytes (what is left of them) and its callback. */
interface InFlight {
  view: Uint8Array
  callback: (error?: Error | null) => void
}

/** The reads and writes of one stream socket, on the ring. */
export class RingStreamIo {
  readonly #driver: RingDriver
  readonly #host: RingHost
  readonly #receiver: Completer
  readonly #sender: Completer
  /** The token of the receive in flight (0: none). */
  #recvToken = 0
  #sendToken = 0
  #wantRead = false
  #ended = false
  #closed = false
  #writing: InFlight | null = null
  #retry: NodeJS.Immediate | null = null

  constructor(driver: RingDriver, host: RingHost) {
    this.#driver = driver
    this.#host = host
    this.#receiver = { complete: (result, pool, offset) => this.#received(result, pool, offset) }
    this.#sender = { complete: (result) => this.#sent(result) }
  }

  /** Whether the stream waits on the kernel: for data its consumer asked for, or for a write to be taken. */
  get busy(): boolean {
    return !this.#closed && (this.#wantRead || this.#writing !== null)
  }

  /** The consumer wants data. */
  read(): void {
    this.#wantRead = true
    if (this.#recvToken === 0 && !this.#ended && !this.#closed) this.#recvToken = this.#driver.recv(this.#host.fd, this.#receiver)
    this.#host.busyChanged()
  }

  /** Sends `view`; `callback` runs when the kernel took all of it (or with the error). */
  write(view: Uint8Array, callback: (error?: Error | null) => void): void {
    this.#writing = { view, callback }
    this.#sendToken = this.#driver.send(this.#host.fd, view, this.#sender)
    this.#host.busyChanged()
  }

  /** The stream is destroyed: what is in flight is cancelled (its completions are ignored). */
  close(): void {
    this.#closed = true
    if (this.#retry !== null) clearImmediate(this.#retry)
    if (this.#recvToken !== 0) this.#driver.cancel(this.#recvToken)
    if (this.#sendToken !== 0) this.#driver.cancel(this.#sendToken)
    this.#writing = null
  }

  #received(result: number, pool: Buffer, offset: number): void {
    this.#recvToken = 0
    if (this.#closed) return
    if (result > 0) {
      this.#wantRead = this.#host.push(pool.subarray(offset, offset + result))
      if (this.#wantRead && !this.#closed && !this.#ended) this.#recvToken = this.#driver.recv(this.#host.fd, this.#receiver)
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
    } else if (result !== -ECANCELED) {
      this.#wantRead = false
      this.#host.destroy(completionError(-result, 'recv', `fd ${this.#host.fd}`))
    }
    this.#host.busyChanged()
  }

  #sent(result: number): void {
    this.#sendToken = 0
    const writing = this.#writing
    if (writing === null || this.#closed) return
    if (result >= 0 && result < writing.view.byteLength) {
      // A short send (the socket's buffer filled up): the rest goes in the next send.
      writing.view = writing.view.subarray(result)
      this.#sendToken = this.#driver.send(this.#host.fd, writing.view, this.#sender)
      return
    }
    this.#writing = null
    this.#host.busyChanged()
    writing.callback(result < 0 ? completionError(-result, 'send', `fd ${this.#host.fd}`) : null)
  }
}
