/**
 * `for await (const { socket, address } of connections(listener))`: a listening socket as an async
 * iterable of accepted connections, each a {@link Socket} that owns its fd, with the peer's address
 * from the same `accept4` call. Each readiness drains the queue (accept until would-block), so a
 * burst of connections costs one wake-up, not one per connection.
 */
import { Epoll } from '../epoll/epoll'
import { abortErrorOf } from '../internal/abort'
import { type Fd, validateFd, validateOptionalSignal, validateOptions } from '../internal/validators'
import { getBlocking, setBlocking, WOULD_BLOCK } from '../io/fd'
import { acceptWithAddress } from './socket'
import { type PeerAddress, Socket } from './socket-object'

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
export async function* connections(listener: Fd | Socket, options?: ConnectionsOptions): AsyncGenerator<Connection, void, undefined> {
  const fd = validateFd(listener, 'listener')
  const opts = validateOptions<ConnectionsOptions>(options)
  const signal = validateOptionalSignal(opts.signal, 'options.signal')
  if (getBlocking(fd)) setBlocking(fd, false)
  const epoll = new Epoll()
  try {
    for (;;) {
      if (signal?.aborted) throw abortErrorOf(signal)
      if (isClosed(listener)) return
      const accepted = acceptWithAddress(fd)
      if (accepted !== WOULD_BLOCK) {
        yield { socket: Socket.from(accepted.fd), address: accepted.address }
        continue
      }
      // Closing the listener Socket unregisters it here, which resolves this wait with 0.
      await epoll.readable(listener, { signal })
    }
  } finally {
    epoll.close()
  }
}

/** Whether `source` is an fd-owning object that was closed (its `fd` is -1). */
export function isClosed(source: Fd): boolean {
  return typeof source === 'object' && source.fd === -1
}
