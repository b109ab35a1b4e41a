/**
 * `for await (const d of datagrams(fd))`: a datagram socket as an async iterable, backed by the
 * batch calls: each step of the loop that finds nothing buffered receives up to `batch` datagrams
 * with ONE `recvmmsg`, and the answers queued with `reply()` during a batch leave together in ONE
 * `sendmmsg` before the next receive. The idiomatic loop is the fast one. On the io_uring engine
 * the same loop runs on the ring (`./datagrams-ring`): no system call per batch at all.
 */
import { Epoll } from '../epoll/epoll'
import { abortErrorOf } from '../internal/abort'
import { type Fd, validateFd, validateInteger, validateOptionalBoolean, validateOptionalSignal, validateOptions, validateViewLength } from '../internal/validators'
import { getBlocking, setBlocking, WOULD_BLOCK } from '../io/fd'
import { ringDriver } from '../io/ring/index'
import { ADDRESS_SLOT_SIZE, MAX_MESSAGES, MessageBatch, META_STRIDE, recvMessages, sendMessages } from './message-batch'
import { isClosed } from './connections'
import { MSG_TRUNC } from './constants'
import { ringDatagrams, ringSlotLimit } from './datagrams-ring'
import { sendTo } from './datagram'
import { decodeIpv4Fast } from './sender-memo'
import type { PeerAddress, Socket } from './socket-object'

/** Options of {@link datagrams}. */
export interface DatagramsOptions {
  /** Ends the iteration: the pending step rejects with an `AbortError`. */
  signal?: AbortSignal
  /** At most this many datagrams per `recvmmsg` (1 to 1024). Default 64. */
  batch?: number
  /** Bytes kept of each datagram (1 to 65536; larger ones are `truncated`). Default 2048. */
  slotSize?: number
  /**
   * Hand out `data` as a view into the batch's memory, valid until the next step of the loop,
   * instead of a copy of its own. Saves a copy per datagram. Default `false`.
   */
  views?: boolean
}

/** One received datagram. */
export interface IncomingDatagram {
  /** The datagram's bytes: a copy of its own (or, with `views: true`, a view valid until the next step). */
  data: Uint8Array
  /** The sender. */
  address: PeerAddress
  /** The datagram was larger than `slotSize`: the rest of it is lost. */
  truncated: boolean
  /**
   * Answers the sender. During the step that received the datagram the answer is queued, and the
   * batch's answers leave in one `sendmmsg` before the next receive; later it is sent at once.
   * An answer that does not fit a slot is sent at once too. Datagrams are not retried: an answer
   * the full send buffer refuses is dropped, as the network may drop any datagram.
 *
   * @param data The answer: bytes, or a string sent as UTF-8.
   */
  reply(data: ArrayBufferView | string): void
}

/**
 * The datagrams arriving on a bound (or connected) datagram socket: an fd or a {@link Socket}. The
 * socket is made non-blocking if it is not. The iteration ends when the `Socket` is closed, throws
 * an `AbortError` when `signal` aborts, and stops when the loop breaks; the socket stays yours.
 *
 * ```ts
 * async function echo(udp: Socket, signal: AbortSignal): Promise<void> {
 *   for await (const d of datagrams(udp, { signal })) d.reply(d.data)
 * }
 * ```
 *
 * @param source A datagram socket: an fd or a `Socket`.
 * @param options `signal`, `batch`, `slotSize`, `views`.
 */
export function datagrams(source: Fd | Socket, options?: DatagramsOptions): AsyncGenerator<IncomingDatagram, void, undefined> {
  // Checked here, at the call: the generator's body would run only at the first `next()`.
  const fd = validateFd(source, 'source')
  const opts = validateOptions<DatagramsOptions>(options)
  const signal = validateOptionalSignal(opts.signal, 'options.signal')
  const capacity = opts.batch === undefined ? 64 : validateInteger(opts.batch, 'options.batch', 1, MAX_MESSAGES)
  const slotSize = opts.slotSize === undefined ? 2048 : validateInteger(opts.slotSize, 'options.slotSize', 1, 65536)
  const views = validateOptionalBoolean(opts.views, 'options.views') ?? false
  // On the io_uring engine (where the slot fits a receive buffer) the same loop runs on the ring,
  // returned as it is: delegating to it from the generator below would cost each datagram a step more.
  const driver = ringDriver()
  if (driver !== null && slotSize <= ringSlotLimit(driver.bufferSize)) {
    if (getBlocking(fd)) setBlocking(fd, false)
    return ringDatagrams(driver, fd, source, signal, views, Math.max(4 * capacity, 256), slotSize)
  }
  return receiving(source, fd, { signal, capacity, slotSize, views })
}

/** What {@link datagrams} checked of its options. */
interface Checked {
  signal: AbortSignal | undefined
  capacity: number
  slotSize: number
  views: boolean
}

/** {@link datagrams} with its arguments checked. */
async function* receiving(source: Fd | Socket, fd: number, { signal, capacity, slotSize, views }: Checked): AsyncGenerator<IncomingDatagram, void, undefined> {
  if (getBlocking(fd)) setBlocking(fd, false)
  const received = new MessageBatch(capacity, { slotSize, addresses: true })
  const answers = new Answers(fd, capacity, slotSize)
  const epoll = new Epoll()
  try {
    for (;;) {
      answers.flush()
      if (signal?.aborted) throw abortErrorOf(signal)
      if (isClosed(source)) return
      const count = recvMessages(fd, received)
      if (count === WOULD_BLOCK) {
        // Closing the Socket unregisters it here, which resolves this wait with 0.
        await epoll.readable(source, { signal })
        continue
      }
      answers.step++
      for (let i = 0; i < count; i++) yield answers.incoming(received, i, views)
    }
  } finally {
    epoll.close()
    // A loop that breaks right after answering still sends the answers of its last batch.
    if (!isClosed(source)) answers.flush()
  }
}

/** The answers queued during one step, sent together; and the {@link IncomingDatagram}s that queue them. */
class Answers {
  readonly #fd: number
  readonly #batch: MessageBatch
  #queued = 0
  /** Counts receives: an answer given after its step has moved on is sent at once. */
  step = 0

  constructor(fd: number, capacity: number, slotSize: number) {
    this.#fd = fd
    this.#batch = new MessageBatch(capacity, { slotSize, addresses: true })
  }

  /** The datagram in slot `i` of `from`, with a `reply` bound to its sender. */
  incoming(from: MessageBatch, i: number, views: boolean): IncomingDatagram {
    const at = i * from.slotSize
    const meta = from.meta
    const length = meta[i * META_STRIDE]
    const data = views ? from.data.subarray(at, at + length) : from.data.slice(at, at + length)
    // IPv4 senders through recvFrom's memo of address texts (no string built per datagram); a sender
    // with no address (an unnamed unix socket) is reported as recvFrom reports it.
    const address =
      decodeIpv4Fast(from.addresses!, meta[i * META_STRIDE + 2], i * ADDRESS_SLOT_SIZE) ?? from.address(i) ?? { address: '', port: 0, family: 'unix' as const }
    const truncated = (meta[i * META_STRIDE + 1] & MSG_TRUNC) !== 0
    const step = this.step
    const reply = (answer: ArrayBufferView | string): void => {
      const bytes = typeof answer === 'string' ? Buffer.from(answer) : answer
      const size = validateViewLength(bytes, 'data')
      if (step !== this.step || this.#queued === this.#batch.capacity || size > this.#batch.slotSize) {
        sendTo(this.#fd, bytes, address)
        return
      }
      this.#queue(from, i, bytes, size)
    }
    return { data, address, truncated, reply }
  }

  /** Copies an answer and its sender's raw address (no decoding) into the next slot. */
  #queue(from: MessageBatch, i: number, bytes: ArrayBufferView, size: number): void {
    const j = this.#queued++
    const batch = this.#batch
    batch.data.set(new Uint8Array(bytes.buffer, bytes.byteOffset, size), j * batch.slotSize)
    const addressLength = from.meta[i * META_STRIDE + 2]
    const source = from.addresses!.subarray(i * ADDRESS_SLOT_SIZE, i * ADDRESS_SLOT_SIZE + addressLength)
    batch.addresses!.set(source, j * ADDRESS_SLOT_SIZE)
    batch.meta[j * META_STRIDE] = size
    batch.meta[j * META_STRIDE + 2] = addressLength
  }

  /** Sends the queued answers in one `sendmmsg` (more only when the kernel took part of them). */
  flush(): void {
    let sent = 0
    while (sent < this.#queued) {
      const n = sendMessages(this.#fd, this.#batch, sent, this.#queued - sent)
      if (n === WOULD_BLOCK || n === 0) break
      sent += n
    }
    this.#queued = 0
  }
}
