/**
 * Server I/O on raw fds: everything a server needs to create, accept, read and write the fds an
 * `Epoll` watches, without Node's `net` (which hides its fds) and without `fs.readSync` (which throws
 * on every would-block).
 *
 * Every fd made here is non-blocking and close-on-exec, and belongs to the caller: close it with
 * {@link close}. Would-block is the return value {@link WOULD_BLOCK} (`-1`), never an exception;
 * every other failure throws a system error shaped like Node's (`code`, negative `errno`, `syscall`).
 * Arguments are checked before anything happens: a range outside a buffer is an `ERR_OUT_OF_RANGE`,
 * never a read or write outside memory.
 */
import { outOfRange } from './errors'
import { type NativeBinding, requireNative, supported } from './native'
import {
  type Fd,
  toFd,
  validateBoolean,
  validateByteRange as checkRange,
  validateDestinationPort,
  validateFd,
  validateInteger,
  validateIpLiteral,
  validateMillis,
  validateObject,
  validateOneOf,
  validateOptionalBoolean,
  validateOptions,
  validatePort,
  validateSocketPath,
  validateView as checkView,
  validateViews,
} from './validate'

/** What {@link accept}, {@link read}, {@link write}, {@link readv} and {@link writev} return when the fd is not ready. */
export const WOULD_BLOCK = -1 as const

/** The listen backlog when none is given (Node's default; a typed copy of the core's, checked by a spec). */
export const DEFAULT_BACKLOG = 511

/** How {@link shutdown} may close a connection. */
const SHUTDOWN_HOW = ['read', 'write', 'both'] as const

/** The host {@link listenTcp} and {@link connectTcp} use when none is given. */
export const DEFAULT_HOST = '127.0.0.1'

/** At most this many buffers in one {@link readv} / {@link writev} (Linux's `UIO_MAXIOV`, from the core by way of a checked copy). */
export const IOV_MAX = 1024

/** One end of a socket, as {@link localAddress} and {@link remoteAddress} report it. */
export interface SocketAddress {
  /** An IP address (`'127.0.0.1'`, `'::1'`), or a unix socket's path (`''` if unnamed; an abstract name starts with `'\0'`). */
  address: string
  /** The port; `0` for unix sockets. */
  port: number
  /** The address family, named as `node:net` names it (plus `'unix'` for unix sockets). */
  family: 'IPv4' | 'IPv6' | 'unix'
}

/** Options of {@link listenTcp} (and `backlog` of {@link listenUnix}). */
export interface ListenOptions {
  /** Length of the queue of connections not yet accepted (the kernel caps it at `somaxconn`). Default 511. */
  backlog?: number
  /**
   * Set `SO_REUSEPORT`: several sockets (threads, processes) listen on the same port and the kernel
   * spreads connections over them. Every socket sharing the port must set it. Default `false`.
   */
  reusePort?: boolean
}

/** Options of {@link eventfd}. */
export interface EventfdOptions {
  /** `EFD_SEMAPHORE`: each read returns 1 and decrements the counter, instead of taking it all. */
  semaphore?: boolean
}

/** When a {@link timerfd} expires: first after `initial` ms, then every `interval` ms. */
export interface TimerOptions {
  /**
   * Milliseconds (fractions allowed, down to the nanosecond) until the first expiration; `0` expires at
   * once. Anything below `2**63` seconds (what the kernel's `timespec` holds) is accepted.
   */
  initial: number
  /** Milliseconds between later expirations; `0` or omitted: expire once. */
  interval?: number
}

// ---------------------------------------------------------------------------------------------
// the binding's hot functions

/**
 * Throws `ERR_EPOLL_UNSUPPORTED_PLATFORM`: what the hot functions are where the binding did not load.
 * Importing the package must work on every platform; calling into it must not.
 */
function unsupported(): never {
  requireNative()
  throw new Error('unreachable: requireNative() returned without a binding')
}

// Looked up once, not per call: a property load on the binding object is measurable on a path that
// runs twice per round trip (bench/micro/calls-js.ts).
const nativeRead: NativeBinding['read'] = supported ? requireNative().read : unsupported
const nativeWrite: NativeBinding['write'] = supported ? requireNative().write : unsupported
const nativeAccept: NativeBinding['acceptFd'] = supported ? requireNative().acceptFd : unsupported

// ---------------------------------------------------------------------------------------------
// argument checks (all in ./validate; `read`/`write` use the byte-range checks under these names)

function toBacklog(value: unknown): number {
  return value === undefined ? DEFAULT_BACKLOG : validateInteger(value, 'options.backlog', 0, 0x7fffffff)
}

function toTimer(options: unknown): [initial: number, interval: number] {
  const { initial, interval } = validateObject(options, 'options') as Partial<TimerOptions>
  return [validateMillis(initial, 'options.initial'), interval === undefined ? 0 : validateMillis(interval, 'options.interval')]
}

// ---------------------------------------------------------------------------------------------
// sockets

/**
 * A listening TCP socket on `host:port` (`SO_REUSEADDR` set, as Node does). `port` 0 picks a free
 * port: read it back with {@link localAddress}. `host` is an IP literal (default `'127.0.0.1'`;
 * `'::'` or `'0.0.0.0'` for every interface; `'[::1]'` brackets are accepted).
 * Throws `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`, ...
 *
 * ```ts
 * const listener = listenTcp(8080, '::', { reusePort: true })
 * ```
 */
export function listenTcp(port: number, host?: string, options?: ListenOptions): number {
  const p = validatePort(port)
  const h = validateIpLiteral(host, 'host', DEFAULT_HOST)
  const opts = validateOptions<ListenOptions>(options)
  const backlog = toBacklog(opts.backlog)
  const reusePort = validateOptionalBoolean(opts.reusePort, 'options.reusePort') ?? false
  return requireNative().listenTcp(p, h, backlog, reusePort)
}

/**
 * A listening unix stream socket at `path` (a leading `'\0'` makes an abstract socket, which has no
 * file; a NUL anywhere else is `ERR_INVALID_ARG_VALUE`). An existing file at `path` is `EADDRINUSE`: remove a stale socket file first if that is
 * what you mean.
 */
export function listenUnix(path: string, options?: Pick<ListenOptions, 'backlog'>): number {
  const p = validateSocketPath(path)
  const opts = validateOptions<ListenOptions>(options)
  return requireNative().listenUnix(p, toBacklog(opts.backlog))
}

/**
 * Starts a non-blocking TCP connect to `port` (1 to 65535: port 0 is `ERR_SOCKET_BAD_PORT`, as in
 * Node) and returns the fd at once. The fd becomes writable
 * (`EPOLLOUT`) when the connect has finished; then {@link socketError} is 0 on success or the
 * errno of the failure (e.g. `ECONNREFUSED`, with `EPOLLERR` in the events).
 */
export function connectTcp(port: number, host?: string): number {
  const p = validateDestinationPort(port)
  const h = validateIpLiteral(host, 'host', DEFAULT_HOST)
  return requireNative().connectTcp(p, h)
}

/** Connects a unix stream socket at `path`. Throws `ENOENT` when nothing is there, `ECONNREFUSED` when no one listens. */
export function connectUnix(path: string): number {
  return requireNative().connectUnix(validateSocketPath(path))
}

/**
 * Accepts one pending connection and returns its fd (non-blocking, close-on-exec), or
 * {@link WOULD_BLOCK} when none is pending. With a level-triggered listener accept one per
 * event; with `EPOLLET` accept until it returns `WOULD_BLOCK`.
 */
export function accept(fd: Fd): number {
  return nativeAccept(typeof fd === 'number' && (fd | 0) === fd && fd >= 0 ? fd : toFd(fd))
}

/**
 * The connected pair of unix stream sockets (`socketpair(2)`): what one end writes, the other reads.
 * Handy for tests and for waking a loop from another thread.
 */
export function socketpair(): [number, number] {
  return requireNative().socketpair()
}

/** The address a socket is bound to (`getsockname`): e.g. the port that `listenTcp(0)` picked. */
export function localAddress(fd: Fd): SocketAddress {
  return requireNative().localAddress(validateFd(fd))
}

/** The address of a connected socket's peer (`getpeername`); `ENOTCONN` when not connected. */
export function remoteAddress(fd: Fd): SocketAddress {
  return requireNative().remoteAddress(validateFd(fd))
}

/**
 * The pending socket error (`SO_ERROR`) as a positive errno, 0 if none; reading it clears it. After
 * a non-blocking connect becomes writable, a non-zero value is why it failed. Compare with
 * `os.constants.errno.ECONNREFUSED`; `util.getSystemErrorName(-err)` names it.
 */
export function socketError(fd: Fd): number {
  return requireNative().socketError(validateFd(fd))
}

/**
 * Closes one or both directions of a connection without closing the fd. `'write'` sends FIN: the
 * peer reads EOF (and sees `EPOLLRDHUP`) while this side can still read.
 */
export function shutdown(fd: Fd, how: 'read' | 'write' | 'both'): void {
  const checked = validateFd(fd)
  requireNative().shutdown(checked, validateOneOf(how, 'how', SHUTDOWN_HOW))
}

/** `TCP_NODELAY`: send small writes at once instead of coalescing them (Nagle). Default `true`, like Node's. */
export function setNoDelay(fd: Fd, enable = true): void {
  const checked = validateFd(fd)
  requireNative().setNoDelay(checked, validateBoolean(enable, 'enable'))
}

// ---------------------------------------------------------------------------------------------
// reading and writing

/**
 * Reads into `buffer` (any Buffer, TypedArray or DataView; `offset`/`length` in bytes, default the
 * whole view) straight from the fd, no copy. Returns the number of bytes read, `0` at end of file
 * (the peer closed or shut down its writing half), or {@link WOULD_BLOCK} when nothing is there yet.
 * `length` must be at least 1 (a zero-length read would be indistinguishable from EOF). Throws
 * `ECONNRESET` when the peer reset the connection.
 *
 * This is the hot path of every server: with a plain number fd and a non-empty view it costs one
 * call into the binding and a few type checks (see "Performance" in the README).
 */
export function read(fd: Fd, buffer: ArrayBufferView, offset = 0, length?: number): number {
  const checkedFd = typeof fd === 'number' && (fd | 0) === fd && fd >= 0 ? fd : toFd(fd)
  const n = byteCount(buffer, offset, length, 1)
  return nativeRead(checkedFd, buffer, offset, n)
}

/**
 * Writes `buffer` (or `length` bytes of it from `offset`) to the fd. Returns the bytes written, which
 * may be fewer than asked when the socket or pipe is nearly full (write the rest when it is
 * writable again), or {@link WOULD_BLOCK} when it is full. Throws `EPIPE`/`ECONNRESET` when the
 * peer is gone.
 */
export function write(fd: Fd, buffer: ArrayBufferView, offset = 0, length?: number): number {
  const checkedFd = typeof fd === 'number' && (fd | 0) === fd && fd >= 0 ? fd : toFd(fd)
  const n = byteCount(buffer, offset, length, 0)
  return nativeWrite(checkedFd, buffer, offset, n)
}

/**
 * The bytes `read`/`write` move: `length`, or the rest of the view after `offset`. The checks a
 * valid call passes are a handful of comparisons kept small enough for V8 to inline into the
 * caller; every message is built out of line, by `checkView` and `checkRange`.
 */
function byteCount(buffer: ArrayBufferView, offset: number, length: number | undefined, minLength: number): number {
  if (ArrayBuffer.isView(buffer) && !(buffer instanceof DataView)) {
    // A typed array's byteLength never throws; a detached one has 0 and takes the path with the messages.
    const size = buffer.byteLength
    if (length === undefined) {
      if (offset === 0 && size >= minLength && size > 0) return size
    } else if (size > 0 && Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= minLength && offset + length <= size) {
      return length
    }
  }
  checkView(buffer, 'buffer')
  return checkRange(buffer, offset, length, minLength)
}
/**
 * Reads into several buffers in order (`readv`): bytes read in total, `0` at EOF, or {@link WOULD_BLOCK}.
 * The views must hold at least 1 byte in total (as for {@link read}, 0 bytes read means end of file).
 */
export function readv(fd: Fd, buffers: ArrayBufferView[]): number {
  const checkedFd = validateFd(fd)
  const [views, total] = validateViews(buffers, 'buffers', IOV_MAX)
  // As for read(): reading into no bytes at all would return 0, which means end of file.
  if (total === 0) throw outOfRange('buffers', 'views holding at least 1 byte in total (0 bytes read would mean end of file)', total)
  return requireNative().readv(checkedFd, views)
}

/**
 * Writes several buffers in order with one system call (`writev`): bytes written in total (possibly
 * only a prefix of the data), or {@link WOULD_BLOCK}.
 */
export function writev(fd: Fd, buffers: ArrayBufferView[]): number {
  const checkedFd = validateFd(fd)
  const [views] = validateViews(buffers, 'buffers', IOV_MAX)
  return requireNative().writev(checkedFd, views)
}

/**
 * Closes an fd. Unregister it from every `Epoll` first if it may be duplicated elsewhere: epoll
 * forgets a registration only when the last fd of the file is closed. Closing an fd that is not
 * open throws `EBADF`.
 */
export function close(fd: Fd): void {
  requireNative().close(validateFd(fd))
}

// ---------------------------------------------------------------------------------------------
// pipes, eventfd, timerfd

/** A pipe: `[readFd, writeFd]`, both non-blocking and close-on-exec. */
export function pipe(): [readFd: number, writeFd: number] {
  return requireNative().pipe()
}

/**
 * An eventfd: a kernel counter, readable (`EPOLLIN`) while it is non-zero. Add to it with
 * {@link writeCounter} (from any thread: fds are shared by the process's workers); take it with
 * {@link readCounter}. `initial` is an integer from 0 to 2**32 - 1 (default 0).
 */
export function eventfd(initial = 0, options?: EventfdOptions): number {
  const count = validateInteger(initial, 'initial', 0, 0xffffffff)
  const opts = validateOptions<EventfdOptions>(options)
  const semaphore = validateOptionalBoolean(opts.semaphore, 'options.semaphore') ?? false
  return requireNative().eventfd(count, semaphore)
}

/**
 * A timer (`timerfd_create` on `CLOCK_MONOTONIC`) that is readable when it has expired: first after
 * `initial` ms, then every `interval` ms. {@link readCounter} returns the expirations since the
 * last read (more than 1 if reads fell behind) and disarms the readiness until the next one.
 */
export function timerfd(options: TimerOptions): number {
  const [initial, interval] = toTimer(options)
  return requireNative().timerfd(initial, interval)
}

/** Re-arms a timerfd with new times (e.g. to push an idle timeout back), or disarms it with `null`. */
export function setTimer(fd: Fd, options: TimerOptions | null): void {
  const checked = validateFd(fd)
  if (options === null) return requireNative().setTimer(checked, null, 0)
  const [initial, interval] = toTimer(options)
  requireNative().setTimer(checked, initial, interval)
}

/** Scratch space for the 8-byte counters of eventfd and timerfd. */
const counter = new BigUint64Array(1)

/**
 * Reads the 8-byte counter of an eventfd or timerfd: the count (eventfd: its value, which resets to 0,
 * or 1 in semaphore mode; timerfd: expirations since the last read), or {@link WOULD_BLOCK} when it
 * is 0. Counts above 2**53 lose precision as a number; read into a `BigUint64Array` for those.
 */
export function readCounter(fd: Fd): number {
  const n = requireNative().read(validateFd(fd), counter, 0, 8)
  return n === WOULD_BLOCK ? WOULD_BLOCK : Number(counter[0])
}

/**
 * Adds `value` (default 1) to an eventfd's counter, waking whoever waits on it. Returns 8, or
 * {@link WOULD_BLOCK} if the counter would overflow 2**64 - 2.
 */
export function writeCounter(fd: Fd, value = 1): number {
  const checked = validateFd(fd)
  validateInteger(value, 'value', 1, Number.MAX_SAFE_INTEGER)
  counter[0] = BigInt(value)
  return requireNative().write(checked, counter, 0, 8)
}
