/**
 * The thread's ring at work: operations queued by streams during a turn of the event loop leave
 * together, and every completion comes back in the same crossing (`ringTurn`: one
 * `io_uring_enter`). The ring's fd is watched by the thread's stream `Epoll` (it polls readable
 * while completions wait); operations queued outside a turn are submitted at the end of the event
 * loop's turn (`setImmediate`), so the writes of every callback of that turn leave in one system call.
 *
 * Tokens name operations: a slot of the token tables stays taken until its operation's last
 * completion, and a reused slot gets a new token, so a completion or a cancellation never reaches
 * the wrong stream, even after the stream that queued it is gone.
 */
import { EPOLLIN } from '../../epoll/flags'
import { hotCall } from '../../internal/native'
import { streamEpoll } from '../stream-loop'
import { poolOffset, poolTake, poolWithRoom } from '../stream-read'
import type { OpenedRing } from './engine'

const nativeRingTurn = hotCall('ringTurn')

/** Operation kinds, as `crates/epoll-napi/src/uring/turn.rs` reads them. */
const RECV = 1
const SEND = 2
const CANCEL = 3
const RECV_MULTI = 4
const RECVMSG_MULTI = 5
const SEND_TO = 6
/** Numbers per operation in `ops`, and per completion in `out`. */
const OP_STRIDE = 3
const OUT_STRIDE = 6
/** Completions one crossing reports at most. */
const OUT_CAPACITY = 256
/** What `flush` reaps into: nothing (completions wait for the turn). */
const NO_COMPLETIONS = new Int32Array(0)
const NO_POOL = Buffer.alloc(0)
/** Rounds of one turn (submit, reap, dispatch) before the rest waits for `setImmediate`. */
const MAX_ROUNDS = 16

/** What completions are handed to: the sends' and the receives' (of a stream, or of datagrams) of one owner. */
export interface Completer {
  /**
   * A receive completed: its result (bytes, 0 for end of file, or `-errno`), where its bytes are in
   * `pool` (`offset` -1 without bytes), and whether more completions of it follow (a multishot
   * receive that stays armed).
   */
  received?(result: number, pool: Buffer, offset: number, more: boolean): void
  /** A send completed: the bytes the kernel took, or `-errno`. */
  sent(result: number): void
  /**
   * A datagram arrived (a multishot datagram receive): its payload's length (or `-errno`), where
   * it is in `pool`, its sender's raw `struct sockaddr` just before it (`nameLength` bytes),
   * whether it was cut, and whether the receive stays armed.
   */
  datagram?(result: number, pool: Buffer, offset: number, nameLength: number, truncated: boolean, more: boolean): void
}

/** What a slot's completions are: a stream receive's, a datagram receive's, or a send's. */
const STREAM = 0
const DATAGRAMS = 1
const SENT = 2

/** Tokens are `generation << SLOT_BITS | slot`: a slot is reused, its token is not (for 2,047 reuses). */
const SLOT_BITS = 20
const SLOT_MASK = (1 << SLOT_BITS) - 1
const GENERATIONS = 2047

/** One thread's driver, made with its ring. */
export class RingDriver {
  readonly #bufferSize: number
  #ops = new Int32Array(OP_STRIDE * 64)
  #opCount = 0
  #views: (Uint8Array | undefined)[] = []
  #names: (Uint8Array | undefined)[] = []
  readonly #out = new Int32Array(OUT_STRIDE * OUT_CAPACITY)
  readonly #state = new Int32Array(1)
  /** Per slot: the token it holds now (0: free), its owner, what its completions are, and a send's bytes (kept alive). */
  readonly #tokens: number[] = [0]
  readonly #owners: (Completer | undefined)[] = [undefined]
  readonly #kinds: number[] = [STREAM]
  readonly #held: (Uint8Array | undefined)[] = [undefined]
  readonly #free: number[] = []
  #generation = 1
  #turning = false
  #later: NodeJS.Immediate | null = null

  /** Bytes of one receive buffer. */
  get bufferSize(): number {
    return this.#bufferSize
  }

  constructor(ring: OpenedRing) {
    this.#bufferSize = ring.bufferSize
    // Level-triggered: the ring fd stays readable while completions wait, which a turn that ran
    // out of rounds leaves for the next wake-up.
    streamEpoll().register(ring.fd, EPOLLIN, () => this.#turn())
  }

  /** Queues a receive into one of the ring's buffers; returns its token. */
  recv(fd: number, owner: Completer): number {
    return this.#queue(RECV, fd, owner, undefined)
  }

  /**
   * Queues a multishot receive: it stays armed, each arrival one completion, until end of file, an
   * error, no free buffer (`-ENOBUFS`) or a cancellation ends it; returns its token.
   */
  recvMulti(fd: number, owner: Completer): number {
    return this.#queue(RECV_MULTI, fd, owner, undefined)
  }

  /** Queues a send of `view` (kept referenced until its completion); returns its token. */
  send(fd: number, view: Uint8Array, owner: Completer): number {
    return this.#queue(SEND, fd, owner, view)
  }

  /** Queues a multishot datagram receive (each datagram with its sender; `owner.datagram`); returns its token. */
  recvDatagrams(fd: number, owner: Completer): number {
    return this.#queue(RECVMSG_MULTI, fd, owner, undefined)
  }

  /** Queues a send of `view` to the raw address `name` (both kept referenced until its completion); returns its token. */
  sendTo(fd: number, view: Uint8Array, name: Uint8Array, owner: Completer): number {
    return this.#queue(SEND_TO, fd, owner, view, name)
  }

  /**
   * Submits every queued operation now, without waiting for the turn to end or handing out
   * completions. Called before an fd is closed: the kernel resolves an operation's fd when it is
   * submitted, so an operation still queued would meet the closed number, or the next file to reuse it.
   */
  flush(): void {
    const count = this.#opCount
    if (count === 0) return
    this.#opCount = 0
    nativeRingTurn(this.#ops, count, this.#views as Uint8Array[], this.#names as Uint8Array[], NO_COMPLETIONS, NO_POOL, 0, 0, this.#state)
    this.#views.length = 0
    this.#names.length = 0
  }

  /**
   * Runs a turn now (submits what is queued, hands out what completed), unless one is running: for
   * a consumer that has handled everything and is about to wait, so that its answers leave now.
   */
  turnNow(): void {
    this.#turn()
  }

  /** Cancels the operation of `token`: it completes (with `-ECANCELED` if it had not yet). */
  cancel(token: number): void {
    this.#push(CANCEL, -1, token, undefined)
  }

  #queue(kind: number, fd: number, owner: Completer, view: Uint8Array | undefined, name?: Uint8Array): number {
    let slot = this.#free.pop()
    if (slot === undefined) {
      slot = this.#tokens.length
      if (slot > SLOT_MASK) throw new RangeError(`more than ${SLOT_MASK} io_uring operations in flight`)
      this.#tokens.push(0)
      this.#owners.push(undefined)
      this.#kinds.push(STREAM)
      this.#held.push(undefined)
    }
    const token = (this.#generation << SLOT_BITS) | slot
    this.#generation = this.#generation === GENERATIONS ? 1 : this.#generation + 1
    this.#tokens[slot] = token
    this.#owners[slot] = owner
    this.#kinds[slot] = kind === SEND || kind === SEND_TO ? SENT : kind === RECVMSG_MULTI ? DATAGRAMS : STREAM
    // A send-to's address is read when it is submitted: only its bytes must outlive the call.
    this.#held[slot] = view
    this.#push(kind, fd, token, view, name)
    return token
  }

  #push(kind: number, fd: number, token: number, view: Uint8Array | undefined, name?: Uint8Array): void {
    let at = this.#opCount * OP_STRIDE
    if (at === this.#ops.length) {
      const grown = new Int32Array(this.#ops.length * 2)
      grown.set(this.#ops)
      this.#ops = grown
    }
    this.#ops[at++] = kind
    this.#ops[at++] = fd
    this.#ops[at] = token
    this.#names[this.#opCount] = name
    this.#views[this.#opCount++] = view
    // Outside a turn, what is queued leaves at the end of this turn of the event loop (its check
    // phase): after every callback and promise continuation of the turn, all in one system call.
    // (A microtask would submit per continuation: a `for await` loop answers between them.)
    if (!this.#turning) this.#turnLater()
  }

  /** Runs a turn after this turn of the event loop's callbacks (once, however often asked). */
  #turnLater(): void {
    if (this.#later !== null) return
    this.#later = setImmediate(() => {
      this.#later = null
      this.#turn()
    })
  }

  /** Submits what is queued and hands out every completion, for a bounded number of rounds. */
  #turn(): void {
    if (this.#turning) return
    this.#turning = true
    let thrown: { error: unknown } | null = null
    if (this.#later !== null) {
      clearImmediate(this.#later)
      this.#later = null
    }
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const pool = poolWithRoom(this.#bufferSize * 4)
        const base = poolOffset()
        const room = pool.length - base
        const count = this.#opCount
        this.#opCount = 0
        const n = nativeRingTurn(this.#ops, count, this.#views as Uint8Array[], this.#names as Uint8Array[], this.#out, pool, base, room, this.#state)
        this.#views.length = 0
        this.#names.length = 0
        const out = this.#out
        // The bytes copied into the pool belong to the chunks handed out below.
        let end = base
        for (let i = 0; i < n; i++) {
          const offset = out[i * OUT_STRIDE + 3]
          if (offset >= 0) end = offset + Math.max(0, out[i * OUT_STRIDE + 1])
        }
        poolTake(end - base)
        for (let i = 0; i < n; i++) {
          const at = i * OUT_STRIDE
          const token = out[at]
          const slot = token & SLOT_MASK
          if (this.#tokens[slot] !== token) continue
          const owner = this.#owners[slot]!
          const more = out[at + 2] !== 0
          const kind = this.#kinds[slot]
          if (!more) {
            this.#tokens[slot] = 0
            this.#owners[slot] = undefined
            this.#held[slot] = undefined
            this.#free.push(slot)
          }
          try {
            if (kind === SENT) owner.sent(out[at + 1])
            else if (kind === STREAM) owner.received!(out[at + 1], pool, out[at + 3], more)
            else owner.datagram!(out[at + 1], pool, out[at + 3], out[at + 4], out[at + 5] !== 0, more)
          } catch (error) {
            // A consumer's handler threw (from inside a push): the other completions of the batch
            // are still handed out, and the first error is thrown when the batch is done.
            thrown ??= { error }
          }
        }
        if (thrown !== null) break
        if (this.#opCount === 0 && this.#state[0] === 0) break
        // Still busy after every round: other callbacks run first, then the turn goes on.
        if (round === MAX_ROUNDS - 1) this.#turnLater()
      }
    } finally {
      this.#turning = false
    }
    if (thrown !== null) {
      // What the others queued meanwhile still leaves.
      if (this.#opCount > 0) this.#turnLater()
      throw thrown.error
    }
  }
}
