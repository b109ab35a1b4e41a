/**
 * `Socket`: one fd owned by one object, shaped after Python's `socket.socket` with Node's
 * conventions (`close()` idempotent, `using`, `fd` of -1 once closed, `null` for would-block).
 *
 * The object exists so that an fd cannot outlive its owner unnoticed and a closed number is never
 * touched again: a Socket dropped while open has its fd closed by the garbage collector and says so
 * once (`process.emitWarning`, code `EPOLL_NAPI_SOCKET_LEAK`); closing a Socket that an `Epoll`
 * watches (registered as the object) unregisters it there first; a closed Socket handed to any
 * function of the package throws `ERR_SOCKET_CLOSED`. Every function that takes an fd takes a Socket.
 */
import { invalidArgType, socketClosed } from '../internal/errors'
import { hotCall, requireNative } from '../internal/native'
import { type Fd, validateFd, validateInteger, validateView } from '../internal/validators'
import { kWatchedBy } from '../internal/watched'
import { getBlocking, read, setBlocking, WOULD_BLOCK, write } from '../io/fd'
import type { Address, SocketAddress } from './address'
import { type Datagram, listenUdp, recvFrom, sendTo, type UdpOptions } from './datagram'
import { getSocketOption, setSocketOption } from './options'
import {
  acceptWithAddress,
  bind,
  connect,
  connectTcp,
  connectUnix,
  listen,
  listenTcp,
  type ListenOptions,
  listenUnix,
  localAddress,
  remoteAddress,
  setNoDelay,
  shutdown,
  socket,
  type SocketFamily,
  socketpair,
  type SocketType,
} from './socket'

/** Where a peer or sender is: a {@link SocketAddress}, or the raw `struct sockaddr` of another family. */
export type PeerAddress = SocketAddress | Uint8Array

/** What {@link Socket.recvFrom} returns: the datagram (a Buffer of its own) and its sender. */
export interface ReceivedDatagram {
  /** The datagram's bytes (cut to `size` when it was larger: then `truncated`). */
  data: Buffer
  /** The sender. */
  address: PeerAddress
  /** The datagram was larger than `size`: the rest of it is lost. */
  truncated: boolean
}

/** The warning code of a Socket that was garbage-collected while open. */
export const SOCKET_LEAK_CODE = 'EPOLL_NAPI_SOCKET_LEAK'

/**
 * Closes the fd of a Socket that became unreachable while open. It holds the number, never the
 * object (which would keep it alive), and is unregistered by `close()` and `detach()`.
 */
const leaks = new FinalizationRegistry<number>((fd) => {
  try {
    requireNative().close(fd)
  } catch {
    // Already closed behind the Socket's back (close(socket.fd)): nothing left to release.
  }
  process.emitWarning(`A Socket (fd ${fd}) was garbage-collected while open; its fd was closed. Close sockets with close() or \`using\`.`, {
    code: SOCKET_LEAK_CODE,
  })
})

/** Handed to the constructor by the static constructors only: adopt this fd. */
const adoptKey = Symbol('adopt')

const nativeClose = hotCall('close')

/**
 * One socket fd, owned: closed by {@link Socket.close}, by `using`, or (with a warning) by the
 * garbage collector. `new Socket('IPv4', 'stream')` makes one as Python's `socket.socket(AF_INET,
 * SOCK_STREAM)` does; the static constructors cover the common cases; {@link Socket.from} adopts an
 * fd you have.
 *
 * ```ts
 * using listener = Socket.listenTcp(0)
 * const accepted = listener.accept() // [Socket, address] or null
 * ```
 */
export class Socket implements Disposable {
  #fd: number
  /** The `Epoll`s that were handed this object, held weakly: unregistered from on close. */
  #watchers: WeakRef<WatchingEpoll>[] = []

  /**
   * A new socket (`socket(2)`): `family` `'IPv4'` (default), `'IPv6'`, `'unix'`, ...; `type` `'stream'` (default), `'dgram'`, ...
   *
   * @param family `'IPv4'` (default), `'IPv6'`, `'unix'`, ... or an `AF_*` number.
   * @param type `'stream'` (default), `'dgram'`, `'seqpacket'`, `'raw'` or a `SOCK_*` number.
   * @param protocol 0 (default) or e.g. `IPPROTO_ICMP`.
   */
  constructor(family: SocketFamily = 'IPv4', type: SocketType = 'stream', protocol = 0) {
    const adopted = (family as unknown as { [adoptKey]?: number })?.[adoptKey]
    this.#fd = adopted ?? socket(family, type, protocol)
    leaks.register(this, this.#fd, this)
  }

  /**
   * Adopts an fd (a socket you made, accepted or were passed): the Socket owns and closes it from now on.
   *
   * @param fd The fd to own.
   */
  static from(fd: number): Socket {
    if (typeof fd !== 'number') throw invalidArgType('fd', 'of type number', fd)
    return new Socket({ [adoptKey]: validateFd(fd) } as unknown as SocketFamily)
  }

  /**
   * A listening TCP socket, as {@link listenTcp}.
   *
   * @param port 0 picks a free one.
   * @param host An IP literal (default `'127.0.0.1'`).
   * @param options `backlog`, `reusePort`.
   */
  static listenTcp(port: number, host?: string, options?: ListenOptions): Socket {
    return Socket.from(listenTcp(port, host, options))
  }

  /**
   * A TCP socket connecting (non-blocking) to `host:port`, as {@link connectTcp}: writable once connected.
   *
   * @param port 1 to 65535.
   * @param host An IP literal (default `'127.0.0.1'`).
   */
  static connectTcp(port: number, host?: string): Socket {
    return Socket.from(connectTcp(port, host))
  }

  /**
   * A UDP socket bound to `host:port` (default an ephemeral port on 127.0.0.1), as `listenUdp`.
   *
   * @param port 0 (default) picks a free one.
   * @param host An IP literal (default `'127.0.0.1'`).
   * @param options `reusePort`, `ipv6Only`.
   */
  static udp(port = 0, host?: string, options?: UdpOptions): Socket {
    return Socket.from(listenUdp(port, host, options))
  }

  /**
   * A listening unix stream socket at `path`, as {@link listenUnix}.
   *
   * @param path The socket's path (a leading `'\0'`: abstract).
   * @param options `backlog`.
   */
  static listenUnix(path: string, options?: Pick<ListenOptions, 'backlog'>): Socket {
    return Socket.from(listenUnix(path, options))
  }

  /**
   * A unix stream socket connected to `path`, as {@link connectUnix}.
   *
   * @param path The listening socket's path.
   */
  static connectUnix(path: string): Socket {
    return Socket.from(connectUnix(path))
  }

  /**
   * Two connected unix sockets, as {@link socketpair} (Python's `socket.socketpair()`).
   *
   * @param type `'stream'` (default), `'dgram'` or `'seqpacket'`.
   */
  static pair(type: 'stream' | 'dgram' | 'seqpacket' = 'stream'): [Socket, Socket] {
    const [a, b] = socketpair(type)
    return [Socket.from(a), Socket.from(b)]
  }

  /** The fd, `-1` once closed or detached. */
  get fd(): number {
    return this.#fd
  }

  /** Whether the Socket was closed or detached. */
  get closed(): boolean {
    return this.#fd === -1
  }

  /** The fd, like Python's `fileno()`; throws `ERR_SOCKET_CLOSED` once closed. */
  fileno(): number {
    return this.#open()
  }

  /**
   * Binds to an address (port 0: the kernel picks one).
   *
   * @param address Where to bind.
   */
  bind(address: Address): void {
    bind(this, address)
  }

  /**
   * Connects without blocking: `true` when done at once, `false` when in progress (writable when done).
   *
   * @param address Where to connect.
   */
  connect(address: Address): boolean {
    return connect(this, address)
  }

  /**
   * Starts listening for connections.
   *
   * @param backlog Length of the accept queue (default 511).
   */
  listen(backlog?: number): void {
    listen(this, backlog)
  }

  /**
   * Accepts one pending connection: `[socket, address]`, the address from the same `accept4`
   * call, or `null` when none is pending.
   */
  accept(): [Socket, PeerAddress] | null {
    const accepted = acceptWithAddress(this.#open())
    if (accepted === WOULD_BLOCK) return null
    return [Socket.from(accepted.fd), accepted.address]
  }

  /**
   * Up to `size` bytes in a Buffer of their own: empty at end of stream, `null` when nothing is there yet.
   *
   * @param size At most this many bytes (>= 1).
   */
  recv(size: number): Buffer | null {
    validateInteger(size, 'size', 1, 0x7fffffff)
    const buffer = Buffer.allocUnsafe(size)
    const n = read(this, buffer)
    if (n === WOULD_BLOCK) return null
    return n === size ? buffer : buffer.subarray(0, n)
  }

  /**
   * Reads into `view` (no copy): bytes read, `0` at end of stream, `null` when nothing is there yet.
   *
   * @param view Where the bytes go.
   * @param offset Byte offset in `view` (default 0).
   * @param length Bytes at most (default: the rest of `view`).
   */
  recvInto(view: ArrayBufferView, offset?: number, length?: number): number | null {
    const n = read(this, view, offset, length)
    return n === WOULD_BLOCK ? null : n
  }

  /**
   * Writes `data` (a string is sent as UTF-8): bytes written, possibly fewer than given, `null` when the socket is full.
   *
   * @param data Bytes, or a string sent as UTF-8.
   */
  send(data: ArrayBufferView | string): number | null {
    const n = write(this, bytesOf(data))
    return n === WOULD_BLOCK ? null : n
  }

  /**
   * One datagram of up to `size` bytes and its sender, or `null` when none is queued.
   *
   * @param size Bytes kept of the datagram.
   */
  recvFrom(size: number): ReceivedDatagram | null {
    validateInteger(size, 'size', 0, 0x7fffffff)
    const buffer = Buffer.allocUnsafe(size)
    const got: Datagram | null = recvFrom(this, buffer)
    if (got === null) return null
    return { data: buffer.subarray(0, got.bytes), address: got.address, truncated: got.truncated }
  }

  /**
   * Sends one datagram to `address` (the connected peer when omitted): bytes sent, `null` when the socket is full.
   *
   * @param data Bytes, or a string sent as UTF-8.
   * @param address The destination (omitted: the connected peer).
   */
  sendTo(data: ArrayBufferView | string, address?: Address): number | null {
    const n = sendTo(this, bytesOf(data), address)
    return n === WOULD_BLOCK ? null : n
  }

  /** The address this socket is bound to (`getsockname`). */
  localAddress(): PeerAddress {
    return localAddress(this)
  }

  /** The connected peer's address (`getpeername`); `ENOTCONN` when none. */
  remoteAddress(): PeerAddress {
    return remoteAddress(this)
  }

  /**
   * Sets a socket option (`setsockopt`), as `setSocketOption`.
   *
   * @param level `SOL_SOCKET`, `IPPROTO_TCP`, ...
   * @param name `SO_*`, `TCP_*`, ...
   * @param value An int, a boolean, or raw bytes.
   */
  setOption(level: number, name: number, value: number | boolean | ArrayBufferView): void {
    setSocketOption(this, level, name, value)
  }

  /**
   * Reads a socket option (`getsockopt`), as `getSocketOption`.
   *
   * @param level `SOL_SOCKET`, `IPPROTO_TCP`, ...
   * @param name `SO_*`, `TCP_*`, ...
   * @param into Where raw bytes go (omitted: read an int).
   */
  getOption(level: number, name: number, into?: ArrayBufferView): number {
    return getSocketOption(this, level, name, into)
  }

  /**
   * `TCP_NODELAY` (default `true`, as Node's).
   *
   * @param enable Default `true`.
   */
  setNoDelay(enable = true): void {
    setNoDelay(this, enable)
  }

  /**
   * Closes one or both directions without closing the fd (`'write'` sends FIN).
   *
   * @param how `'read'`, `'write'` or `'both'`.
   */
  shutdown(how: 'read' | 'write' | 'both'): void {
    shutdown(this, how)
  }

  /**
   * Makes the fd blocking or non-blocking (every Socket the package makes starts non-blocking).
   *
   * @param blocking `true`: calls wait; `false`: they return `null`.
   */
  setBlocking(blocking: boolean): void {
    setBlocking(this, blocking)
  }

  /** `true` when the fd is blocking. */
  getBlocking(): boolean {
    return getBlocking(this)
  }

  /**
   * Closes the fd, after unregistering it from every `Epoll` that was handed this object (so the
   * number, reused by the next open, never receives this Socket's handler). Idempotent.
   */
  close(): void {
    const fd = this.#release()
    if (fd !== -1) nativeClose(fd)
  }

  /** Gives the fd up without closing it (Python's `detach()`): yours to close. `-1` when already closed. */
  detach(): number {
    return this.#release()
  }

  /** Closes the Socket at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close()
  }

  /** `'Socket'`, for `Object.prototype.toString`. */
  get [Symbol.toStringTag](): string {
    return 'Socket'
  }

  /**
   * Called by an `Epoll` that was handed this object: it is unregistered from there on close.
   *
   * @param epoll The `Epoll` that now watches this Socket.
   */
  [kWatchedBy](epoll: object): void {
    const watching = epoll as WatchingEpoll
    if (!this.#watchers.some((ref) => ref.deref() === watching)) this.#watchers.push(new WeakRef(watching))
  }

  /** Forgets the fd (and unregisters it wherever it is watched); returns it, or -1 when none. */
  #release(): number {
    const fd = this.#fd
    if (fd === -1) return -1
    for (const ref of this.#watchers) {
      const epoll = ref.deref()
      if (epoll !== undefined && !epoll.closed && epoll.has(fd)) epoll.unregister(fd)
    }
    this.#watchers = []
    this.#fd = -1
    leaks.unregister(this)
    return fd
  }

  #open(): number {
    if (this.#fd === -1) throw socketClosed()
    return this.#fd
  }
}

/** What a Socket needs of an `Epoll` that watches it (the class itself would be an import cycle). */
interface WatchingEpoll {
  readonly closed: boolean
  has(fd: Fd): boolean
  unregister(fd: Fd): unknown
}

/** The bytes of `data`: a string as UTF-8, a view as it is. */
function bytesOf(data: ArrayBufferView | string): ArrayBufferView {
  if (typeof data === 'string') return Buffer.from(data)
  validateView(data, 'data')
  return data
}
