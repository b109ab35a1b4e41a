/**
 * Many datagrams per system call (`recvmmsg`/`sendmmsg`), into and out of memory the caller owns
 * and reuses: the shape a DNS, QUIC, syslog or metrics server wants.
 *
 * A {@link MessageBatch} holds `capacity` fixed-size slots:
 * - `data`: one `Uint8Array` slab, slot `i` at `i * slotSize`;
 * - `meta`: an `Int32Array` of 3 ints per slot: `[length, flags, addressLength]` (`flags` is the
 *   kernel's `msg_flags`: `MSG_TRUNC` when the datagram was larger than its slot);
 * - `addresses` (only when asked for): one 128-byte raw `struct sockaddr` per slot, written on
 *   receive (the senders), read on send (the destinations).
 *
 * Receiving allocates nothing per datagram unless you decode an address ({@link MessageBatch.address})
 * or take a view ({@link MessageBatch.message}): read `data` at `offset(i)` for `length(i)` bytes. An
 * echo, or a reply written in place, is sent back from the same batch: the senders' addresses are
 * already in their slots.
 */
import { invalidArgType, invalidArgValue, invalidThis, outOfRange } from '../internal/errors'
import { requireNative } from '../internal/native'
import { bufferOf, byteLengthOf, byteOffsetOf } from '../internal/views'
import { type Fd, validateFd, validateInteger, validateOptionalBoolean, validateOptions, validateViewLength } from '../internal/validators'
import { type Address, decodeAddress, encodeAddress, SOCKADDR_STORAGE_SIZE, type SocketAddress } from './address'
import { MSG_TRUNC } from './constants'

/** At most this many datagrams in one {@link recvMessages} / {@link sendMessages} call (and in one batch). */
export const MAX_MESSAGES = 1024

/** Ints of {@link MessageBatch.meta} per slot: `[length, flags, addressLength]`. */
export const META_STRIDE = 3

/** Bytes per address slot of {@link MessageBatch.addresses}: a `sockaddr_storage`. */
export const ADDRESS_SLOT_SIZE = SOCKADDR_STORAGE_SIZE

/** Options of a {@link MessageBatch}. */
export interface MessageBatchOptions {
  /** Bytes per slot: the largest datagram kept whole (larger ones are truncated). Default 2048 (a QUIC or EDNS datagram fits). */
  slotSize?: number
  /** Keep an address per slot: the senders on receive, the destinations on send. Default `false` (connected sockets, or when the sender does not matter). */
  addresses?: boolean
}

/** The memory of a batch the constructor made (`ERR_INVALID_ARG_TYPE` for anything else). */
let slotsOf: (batch: unknown, name: string) => Slots

interface Slots {
  capacity: number
  slotSize: number
  data: Uint8Array
  meta: Int32Array
  addresses: Uint8Array | null
}

/**
 * Fixed-size slots for many datagrams, owned by the caller and reused from call to call. Its memory is
 * held in private fields (the properties are getters): the native calls get exactly what the
 * constructor allocated, and an object that only looks like a batch is refused.
 */
export class MessageBatch {
  readonly #capacity: number
  readonly #slotSize: number
  readonly #data: Uint8Array
  readonly #meta: Int32Array
  readonly #addresses: Uint8Array | null

  /**
   * `capacity` slots (1 to {@link MAX_MESSAGES}) of `options.slotSize` bytes each.
   *
   * @param capacity How many datagrams a call can move (1 to `MAX_MESSAGES`).
   * @param options `slotSize` (default 2048 bytes per datagram) and `addresses` (keep each datagram's
   *   address).
   */
  constructor(capacity: number, options?: MessageBatchOptions) {
    this.#capacity = validateInteger(capacity, 'capacity', 1, MAX_MESSAGES)
    const opts = validateOptions<MessageBatchOptions>(options)
    this.#slotSize = opts.slotSize === undefined ? 2048 : validateInteger(opts.slotSize, 'options.slotSize', 1, 65536)
    const withAddresses = validateOptionalBoolean(opts.addresses, 'options.addresses') ?? false
    this.#data = new Uint8Array(this.#capacity * this.#slotSize)
    this.#meta = new Int32Array(this.#capacity * META_STRIDE)
    this.#addresses = withAddresses ? new Uint8Array(this.#capacity * ADDRESS_SLOT_SIZE) : null
  }

  /** Number of slots. */
  get capacity(): number {
    return MessageBatch.#checked(this).#capacity
  }

  /** Bytes per slot. */
  get slotSize(): number {
    return MessageBatch.#checked(this).#slotSize
  }

  /** The slab: slot `i` is `data[i * slotSize .. (i + 1) * slotSize]`. */
  get data(): Uint8Array {
    return MessageBatch.#checked(this).#data
  }

  /** `[length, flags, addressLength]` per slot ({@link META_STRIDE} ints). */
  get meta(): Int32Array {
    return MessageBatch.#checked(this).#meta
  }

  /** One raw `struct sockaddr` of {@link ADDRESS_SLOT_SIZE} bytes per slot, or `null` when the batch keeps no addresses. */
  get addresses(): Uint8Array | null {
    return MessageBatch.#checked(this).#addresses
  }

  /** `'MessageBatch'`, for `Object.prototype.toString`. */
  get [Symbol.toStringTag](): string {
    return 'MessageBatch'
  }

  /** `self` when the constructor made it; `ERR_INVALID_THIS` for a method borrowed onto another object. */
  static #checked(self: unknown): MessageBatch {
    if (typeof self !== 'object' || self === null || !(#data in self)) throw invalidThis('MessageBatch')
    return self as MessageBatch
  }

  static {
    // The native calls below reach the private memory through this, after the brand check.
    slotsOf = (batch, name) => {
      if (typeof batch !== 'object' || batch === null || !(#data in batch)) throw invalidArgType(name, 'an instance of MessageBatch', batch)
      const b = batch as MessageBatch
      return { capacity: b.#capacity, slotSize: b.#slotSize, data: b.#data, meta: b.#meta, addresses: b.#addresses }
    }
  }

  /** Slot `i` of `self`: a method borrowed onto another object is `ERR_INVALID_THIS` before anything else. */
  static #index(self: unknown, i: unknown): number {
    const capacity = MessageBatch.#checked(self).#capacity
    if (typeof i !== 'number' || (i | 0) !== i || i < 0 || i >= capacity) {
      if (typeof i !== 'number') throw invalidArgType('index', 'of type number', i)
      throw outOfRange('index', `an integer >= 0 and <= ${capacity - 1}`, i)
    }
    return i
  }

  /**
   * Where slot `i` starts in {@link data}.
   *
   * @param i The slot.
   */
  offset(i: number): number {
    return MessageBatch.#index(this, i) * this.#slotSize
  }

  /**
   * Bytes of the datagram in slot `i` (received, or set with {@link setLength}).
   *
   * @param i The slot.
   */
  length(i: number): number {
    const at = MessageBatch.#index(this, i)
    return this.#meta[at * META_STRIDE]
  }

  /**
   * The kernel's `msg_flags` of the datagram received in slot `i`.
   *
   * @param i The slot.
   */
  flags(i: number): number {
    const at = MessageBatch.#index(this, i)
    return this.#meta[at * META_STRIDE + 1]
  }

  /**
   * The datagram received in slot `i` was larger than the slot: the rest is lost.
   *
   * @param i The slot.
   */
  truncated(i: number): boolean {
    return (this.flags(i) & MSG_TRUNC) !== 0
  }

  /**
   * A view of the datagram in slot `i` (its {@link length} bytes; allocates the view, not the bytes).
   *
   * @param i The slot.
   */
  message(i: number): Uint8Array {
    const at = this.offset(i)
    return this.#data.subarray(at, at + this.length(i))
  }

  /**
   * Sets how many bytes of slot `i` {@link sendMessages} sends (0 to {@link slotSize}).
   *
   * @param i The slot.
   * @param length The datagram's size in bytes (at most `slotSize`).
   */
  setLength(i: number, length: number): void {
    const at = MessageBatch.#index(this, i) * META_STRIDE
    this.#meta[at] = validateInteger(length, 'length', 0, this.#slotSize)
  }

  /**
   * The address in slot `i`: the sender after {@link recvMessages}, or what {@link setAddress} put
   * there; `null` when the slot has none. Decoding allocates: a server that only replies need not
   * decode, the raw address is sent back as it is.
   *
   * @param i The slot.
   */
  address(i: number): SocketAddress | Uint8Array | null {
    const at = MessageBatch.#index(this, i)
    const length = this.#meta[at * META_STRIDE + 2]
    if (this.#addresses === null || length <= 0) return null
    return decodeAddress(this.#addresses, at * ADDRESS_SLOT_SIZE, length)
  }

  /**
   * Sets where {@link sendMessages} sends slot `i` (`null`: the connected peer). Needs a batch made with
   * `addresses: true`.
   *
   * @param i The slot.
   * @param address Where to send the slot's datagram, or `null` for the connected peer.
   */
  setAddress(i: number, address: Address | null): void {
    const at = MessageBatch.#index(this, i)
    if (address === null) {
      this.#meta[at * META_STRIDE + 2] = 0
      return
    }
    if (this.#addresses === null) throw invalidArgValue('address', 'needs a MessageBatch made with { addresses: true }', address)
    const raw = encodeAddress(address, 'sendmmsg')
    this.#addresses.set(raw, at * ADDRESS_SLOT_SIZE)
    this.#meta[at * META_STRIDE + 2] = byteLengthOf(raw)
  }

  /**
   * Copies `bytes` into slot `i` and sets its length (and its address, when given).
   *
   * @param i The slot.
   * @param bytes The datagram, copied into the slot (at most `slotSize` bytes).
   * @param address Where to send it; omitted or `null`: the connected peer.
   */
  set(i: number, bytes: ArrayBufferView, address?: Address | null): void {
    const at = this.offset(i)
    const size = validateViewLength(bytes, 'bytes')
    if (size > this.#slotSize) throw outOfRange('bytes.byteLength', `<= ${this.#slotSize} (the slot size)`, size)
    this.#data.set(new Uint8Array(bufferOf(bytes), byteOffsetOf(bytes), size), at)
    this.#meta[(at / this.#slotSize) * META_STRIDE] = size
    if (address !== undefined) this.setAddress(i, address)
  }
}

function validateSlots(value: unknown, start: unknown, count: unknown): [Slots, number, number] {
  const batch = slotsOf(value, 'batch')
  const first = start === undefined ? 0 : validateInteger(start, 'start', 0, batch.capacity - 1)
  const n = count === undefined ? batch.capacity - first : validateInteger(count, 'count', 1, batch.capacity - first)
  return [batch, first, n]
}

/**
 * Receives up to `count` datagrams (default: every slot from `start`) with one `recvmmsg`, into
 * slots `start, start + 1, ...`: returns how many arrived (each slot's length, flags and, when the
 * batch keeps them, sender filled in), or `WOULD_BLOCK` (-1) when none is queued. Never waits for
 * more than are queued.
 *
 * ```ts
 * const batch = new MessageBatch(64, { slotSize: 1500, addresses: true })
 * const n = recvMessages(fd, batch)
 * for (let i = 0; i < n; i++) handle(batch.data, batch.offset(i), batch.length(i))
 * if (n > 0) sendMessages(fd, batch, 0, n)   // echo: every reply goes back to its sender
 * ```
 *
 * @param fd A datagram socket.
 * @param batch Receives the datagrams.
 * @param start The first slot to fill (default 0).
 * @param count The most datagrams to take (default: every slot from `start`).
 */
export function recvMessages(fd: Fd, batch: MessageBatch, start?: number, count?: number): number {
  const checked = validateFd(fd)
  const [b, first, n] = validateSlots(batch, start, count)
  return requireNative().recvMessages(checked, b.data, b.slotSize, b.meta, b.addresses, first, n)
}

/**
 * Sends slots `start .. start + count - 1` (default: every slot from `start`) with one `sendmmsg`,
 * each of its {@link MessageBatch.length} bytes, to its address (or, without one, to the connected
 * peer). Returns how many were sent, possibly fewer than asked when the send buffer fills (send the
 * rest, from `start + sent`, when the fd is writable), or `WOULD_BLOCK` (-1) when none was.
 *
 * @param fd A datagram socket.
 * @param batch Holds the datagrams.
 * @param start The first slot to send (default 0).
 * @param count How many slots to send (default: every slot from `start`).
 */
export function sendMessages(fd: Fd, batch: MessageBatch, start?: number, count?: number): number {
  const checked = validateFd(fd)
  const [b, first, n] = validateSlots(batch, start, count)
  return requireNative().sendMessages(checked, b.data, b.slotSize, b.meta, b.addresses, first, n)
}
