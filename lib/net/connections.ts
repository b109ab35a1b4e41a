/**
 * `for await (const { socket, address } of connections(listener))`: a listening socket as an async
 * iterable of accepted connections, each a {@link Socket} that owns its fd, with the peer's address
 * from the same `accept4` call. Each readiness drains the queue (accept until would-block), so a
 * burst of connections costs one wake-up, not one per connection; and the accepts are batched, up to
 * `ACCEPT_BATCH` (64) in one crossing into the binding (`acceptMany`), not one crossing each.
 */
import { Epoll } from '../epoll/epoll'
import { abortErrorOf } from '../internal/abort'
import { hotCall } from '../internal/native'
import { type Fd, validateFd, validateOptionalSignal, validateOptions } from '../internal/validators'
import { close, getBlocking, setBlocking, WOULD_BLOCK } from '../io/fd'
import { decodeAddress, SOCKADDR_STORAGE_SIZE } from './address'
import { type PeerAddress, Socket } from './socket-object'

const nativeAcceptMany = hotCall('acceptMany')

/** At most this many connections are accepted per crossing into the binding (one `acceptMany`). */
const ACCEPT_BATCH = 64

/** Options of {@link connections}. */
export interface ConnectionsOptions {
  /** Ends the iteration: the pending step rejects with an `AbortError` (as Node's `events.on`). */
  signal?: AbortSignal
}

/** One accepted connection. */
export interface Connection {
  /** The connection, yours to close (`using`, or `close()`). */
  socket: Socket
  /** The peer, as the kernel reported it when accepting. */
  address: PeerAddress
}

/**
 * The connections of a listening socket (an fd, or a {@link Socket}), as they arrive. The listener
 * is made non-blocking if it is not (as `net.Server#listen({ fd })` does to the fd it adopts: a
 * socket-activated server is passed a blocking one). The iteration ends when the listener `Socket`
 * is closed and throws an `AbortError` when `signal` aborts; breaking out of the loop stops it. The
 * listener stays yours either way.
 *
 * ```ts
 * async function greet(listener: Socket, signal: AbortSignal): Promise<void> {
 *   for await (const { socket, address } of connections(listener, { signal })) {
 *     socket.send(`hello ${JSON.stringify(address)}\n`)
 *     socket.close()
 *   }
 * }
 * ```
 *
 * @param listener A listening socket: an fd or a `Socket`.
 * @param options `signal` ends the iteration.
 */
export function connections(listener: Fd | Socket, options?: ConnectionsOptions): AsyncGenerator<Connection, void, undefined> {
  // Checked here, at the call: the generator's body would run only at the first `next()`.
  const fd = validateFd(listener, 'listener')
  const opts = validateOptions<ConnectionsOptions>(options)
  return accepting(listener, fd, validateOptionalSignal(opts.signal, 'options.signal'))
}

/** {@link connections} with its arguments checked. */
async function* accepting(listener: Fd | Socket, fd: number, signal: AbortSignal | undefined): AsyncGenerator<Connection, void, undefined> {
  if (getBlocking(fd)) setBlocking(fd, false)
  const batch = new AcceptBatch(ACCEPT_BATCH)
  const epoll = new Epoll()
  try {
    for (;;) {
      if (signal?.aborted) throw abortErrorOf(signal)
      if (isClosed(listener)) return
      if (batch.pending()) {
        yield batch.take()
        continue
      }
      // Accept again at once when the last batch filled its room (more may be queued) or kept a
      // failure for this call (which throws it); otherwise the queue was empty when it was read.
      if (batch.drained || batch.accept(fd) === WOULD_BLOCK) {
        batch.drained = false
        // Closing the listener Socket unregisters it here, which resolves this wait with 0.
        await epoll.readable(listener, { signal })
      }
    }
  } finally {
    // A loop that breaks (or an abort, or a closed listener) mid-batch: the connections accepted
    // and not handed out are nobody's but ours.
    batch.closeRest()
    epoll.close()
  }
}

/**
 * The connections of one `acceptMany`: their fds, their peers' raw addresses (one
 * `struct sockaddr_storage` slot each) and lengths, handed out one by one.
 */
class AcceptBatch {
  readonly #fds: Int32Array
  readonly #names: Uint8Array
  /** [0]: a failure (errno) the binding keeps for the next call; [1 + i]: the length of name i. */
  readonly #meta: Int32Array
  #count = 0
  #next = 0
  /** The last accept emptied the queue: wait for readiness before the next. */
  drained = false

  constructor(room: number) {
    this.#fds = new Int32Array(room)
    this.#names = new Uint8Array(room * SOCKADDR_STORAGE_SIZE)
    this.#meta = new Int32Array(room + 1)
  }

  /** Accepts what `fd` has queued, up to the room: the count, or `WOULD_BLOCK`. */
  accept(fd: number): number {
    const count = nativeAcceptMany(fd, this.#fds, this.#names, this.#meta)
    if (count === WOULD_BLOCK) return count
    this.#count = count
    this.#next = 0
    this.drained = count < this.#fds.length && this.#meta[0] === 0
    return count
  }

  /** Connections accepted and not yet handed out remain. */
  pending(): boolean {
    return this.#next < this.#count
  }

  /** The next connection, a {@link Socket} with its peer's decoded address. */
  take(): Connection {
    const i = this.#next++
    const address = decodeAddress(this.#names, i * SOCKADDR_STORAGE_SIZE, this.#meta[1 + i])
    return { socket: Socket.from(this.#fds[i]), address }
  }

  /** Closes the connections not handed out. */
  closeRest(): void {
    while (this.#next < this.#count) close(this.#fds[this.#next++])
  }
}

/** Whether `source` is an fd-owning object that was closed (its `fd` is -1). */
export function isClosed(source: Fd): boolean {
  return typeof source === 'object' && source.fd === -1
}
