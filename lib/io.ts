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
import { isIP } from 'node:net'

import { invalidArgType, invalidArgValue, outOfRange } from './errors'
import { type NativeBinding, requireNative, supported } from './native'
import { type Fd, toFd, toOptionalBoolean, toOptions } from './validate'

/** What {@link accept}, {@link read}, {@link write}, {@link readv} and {@link writev} return when the fd is not ready. */
export const WOULD_BLOCK = -1 as const

/** The listen backlog when none is given (Node's default). */
export const DEFAULT_BACKLOG = 511

/** The host {@link listenTcp} and {@link connectTcp} use when none is given. */
export const DEFAULT_HOST = '127.0.0.1'

/** At most this many buffers in one {@link readv} / {@link writev} (Linux's `IOV_MAX`). */
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
  /** Milliseconds (fractions allowed, down to the nanosecond) until the first expiration; `0` expires at once. */
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
// argument checks

function toPort(value: unknown): number {
  if (typeof value !== 'number') throw invalidArgType('port', 'of type number', value)
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw outOfRange('port', 'an integer >= 0 and <= 65535', value)
  return value
}

function toHost(value: unknown): string {
  if (value === undefined) return DEFAULT_HOST
  if (typeof value !== 'string') throw invalidArgType('host', 'of type string', value)
  const literal = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value
  // No name lookups here: a blocking DNS query has no place in an event loop. Resolve names first
  // (`dns.promises.lookup`) and pass the address.
  if (isIP(literal) === 0) throw invalidArgValue('host', 'must be an IPv4 or IPv6 address literal (no DNS lookup)', value)
  return literal
}

function toPath(value: unknown): string {
  if (typeof value !== 'string') throw invalidArgType('path', 'of type string', value)
  if (value.length === 0) throw invalidArgValue('path', 'must not be empty', value)
  return value
}

function toBacklog(value: unknown): number {
  if (value === undefined) return DEFAULT_BACKLOG
  if (typeof value !== 'number') throw invalidArgType('options.backlog', 'of type number', value)
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw outOfRange('options.backlog', 'an integer >= 0 and <= 2147483647', value)
  }
  return value
}

function toMillis(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isFinite(value) || value < 0) throw outOfRange(name, 'a finite number of milliseconds >= 0', value)
  return value
}

function checkView(value: unknown, name: string): asserts value is ArrayBufferView {
  if (!ArrayBuffer.isView(value)) throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', value)
}

/** `offset`, then `length` (default: the rest of the view), in bytes; `minLength` is 1 for reads. */
function checkRange(view: ArrayBufferView, offset: unknown, length: unknown, minLength: number): number {
  const size = byteLength(view, 'buffer')
  if (typeof offset !== 'number') throw invalidArgType('offset', 'of type number', offset)
  if (!Number.isInteger(offset) || offset < 0 || offset > size) throw outOfRange('offset', `an integer >= 0 and <= ${size}`, offset)
  if (length === undefined) length = size - offset
  if (typeof length !== 'number') throw invalidArgType('length', 'of type number', length)
  if (!Number.isInteger(length) || length < minLength || length > size - offset) {
    // A zero-length read would return 0, which means end of file: refuse it rather than lie.
    throw outOfRange('length', `an integer >= ${minLength} and <= ${size - offset} (the bytes after offset)`, length as number)
  }
  return length as number
}

/**
 * The view's length in bytes; a view of a detached buffer is refused with a coded error. A typed
 * array on a detached buffer has length 0, but a `DataView`'s `byteLength` getter throws the
 * engine's uncoded TypeError instead: that is caught and turned into the same error.
 */
function byteLength(view: ArrayBufferView, name: string): number {
  let size: number
  try {
    size = view.byteLength
  } catch (error) {
    if (isDetached(view.buffer)) size = 0
    else throw error
  }
  if (size === 0 && isDetached(view.buffer)) throw invalidArgValue(name, 'must not be a view of a detached ArrayBuffer', view)
  return size
}

/** Only asked of empty views (a detached buffer has length 0). Node 20 lacks `ArrayBuffer#detached`. */
function isDetached(buffer: ArrayBufferLike): boolean {
  if ('detached' in buffer) return (buffer as { detached: boolean }).detached
  try {
    new Uint8Array(buffer)
    return false
  } catch {
    return true
  }
}

/**
 * A plain copy of `buffers`, every element checked to be a view, and the bytes they hold in total.
 * The native call gets the copy: each element is read here exactly once, so a getter or proxy trap
 * cannot hand the native call something else, or run JavaScript while it holds pointers.
 */
function copyViews(buffers: unknown): [views: ArrayBufferView[], total: number] {
  if (!Array.isArray(buffers)) throw invalidArgType('buffers', 'an instance of Array', buffers)
  const count = buffers.length
  if (count > IOV_MAX) throw outOfRange('buffers.length', `<= ${IOV_MAX}`, count)
  const views: ArrayBufferView[] = new Array(count)
  let total = 0
  for (let i = 0; i < count; i++) {
    const view: unknown = buffers[i]
    checkView(view, `buffers[${i}]`)
    views[i] = view
  }
  for (let i = 0; i < count; i++) total += byteLength(views[i], `buffers[${i}]`)
  return [views, total]
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
  const p = toPort(port)
  const h = toHost(host)
  const opts = toOptions<ListenOptions>(options)
  const backlog = toBacklog(opts.backlog)
  const reusePort = toOptionalBoolean(opts.reusePort, 'options.reusePort') ?? false
  return requireNative().listenTcp(p, h, backlog, reusePort)
}

/**
 * A listening unix stream socket at `path` (a leading `'\0'` makes an abstract socket, which has no
 * file). An existing file at `path` is `EADDRINUSE`: remove a stale socket file first if that is
 * what you mean.
 */
export function listenUnix(path: string, options?: Pick<ListenOptions, 'backlog'>): number {
  const p = toPath(path)
  const opts = toOptions<ListenOptions>(options)
  return requireNative().listenUnix(p, toBacklog(opts.backlog))
}

/**
 * Starts a non-blocking TCP connect and returns the fd at once. The fd becomes writable
 * (`EPOLLOUT`) when the connect has finished; then {@link socketError} is 0 on success or the
 * errno of the failure (e.g. `ECONNREFUSED`, with `EPOLLERR` in the events).
 */
export function connectTcp(port: number, host?: string): number {
  const p = toPort(port)
  const h = toHost(host)
  return requireNative().connectTcp(p, h)
}

/** Connects a unix stream socket at `path`. Throws `ENOENT` when nothing is there, `ECONNREFUSED` when no one listens. */
export function connectUnix(path: string): number {
  return requireNative().connectUnix(toPath(path))
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
  return requireNative().localAddress(toFd(fd))
}

/** The address of a connected socket's peer (`getpeername`); `ENOTCONN` when not connected. */
export function remoteAddress(fd: Fd): SocketAddress {
  return requireNative().remoteAddress(toFd(fd))
}

/**
 * The pending socket error (`SO_ERROR`) as a positive errno, 0 if none; reading it clears it. After
 * a non-blocking connect becomes writable, a non-zero value is why it failed. Compare with
 * `os.constants.errno.ECONNREFUSED`; `util.getSystemErrorName(-err)` names it.
 */
export function socketError(fd: Fd): number {
  return requireNative().socketError(toFd(fd))
}

/**
 * Closes one or both directions of a connection without closing the fd. `'write'` sends FIN: the
 * peer reads EOF (and sees `EPOLLRDHUP`) while this side can still read.
 */
export function shutdown(fd: Fd, how: 'read' | 'write' | 'both'): void {
  const checked = toFd(fd)
  if (how !== 'read' && how !== 'write' && how !== 'both') {
    if (typeof how !== 'string') throw invalidArgType('how', 'of type string', how)
    throw invalidArgValue('how', "must be 'read', 'write' or 'both'", how)
  }
  requireNative().shutdown(checked, how)
}

/** `TCP_NODELAY`: send small writes at once instead of coalescing them (Nagle). Default `true`, like Node's. */
export function setNoDelay(fd: Fd, enable = true): void {
  const checked = toFd(fd)
  if (typeof enable !== 'boolean') throw invalidArgType('enable', 'of type boolean', enable)
  requireNative().setNoDelay(checked, enable)
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
  const checkedFd = toFd(fd)
  const [views, total] = copyViews(buffers)
  // As for read(): reading into no bytes at all would return 0, which means end of file.
  if (total === 0) throw outOfRange('buffers', 'views holding at least 1 byte in total (0 bytes read would mean end of file)', total)
  return requireNative().readv(checkedFd, views)
}

/**
 * Writes several buffers in order with one system call (`writev`): bytes written in total (possibly
 * only a prefix of the data), or {@link WOULD_BLOCK}.
 */
export function writev(fd: Fd, buffers: ArrayBufferView[]): number {
  const checkedFd = toFd(fd)
  const [views] = copyViews(buffers)
  return requireNative().writev(checkedFd, views)
}

/**
 * Closes an fd. Unregister it from every `Epoll` first if it may be duplicated elsewhere: epoll
 * forgets a registration only when the last fd of the file is closed. Closing an fd that is not
 * open throws `EBADF`.
 */
export function close(fd: Fd): void {
  requireNative().close(toFd(fd))
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
  if (typeof initial !== 'number') throw invalidArgType('initial', 'of type number', initial)
  if (!Number.isInteger(initial) || initial < 0 || initial > 0xffffffff) {
    throw outOfRange('initial', 'an integer >= 0 and <= 4294967295', initial)
  }
  const opts = toOptions<EventfdOptions>(options)
  const semaphore = toOptionalBoolean(opts.semaphore, 'options.semaphore') ?? false
  return requireNative().eventfd(initial, semaphore)
}

function toTimer(options: unknown): [initial: number, interval: number] {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgType('options', 'of type object', options)
  }
  const { initial, interval } = options as Partial<TimerOptions>
  return [toMillis(initial, 'options.initial'), interval === undefined ? 0 : toMillis(interval, 'options.interval')]
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
  const checked = toFd(fd)
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
  const n = requireNative().read(toFd(fd), counter, 0, 8)
  return n === WOULD_BLOCK ? WOULD_BLOCK : Number(counter[0])
}

/**
 * Adds `value` (default 1) to an eventfd's counter, waking whoever waits on it. Returns 8, or
 * {@link WOULD_BLOCK} if the counter would overflow 2**64 - 2.
 */
export function writeCounter(fd: Fd, value = 1): number {
  const checked = toFd(fd)
  if (typeof value !== 'number') throw invalidArgType('value', 'of type number', value)
  if (!Number.isSafeInteger(value) || value < 1) throw outOfRange('value', 'an integer >= 1 and <= 2**53 - 1', value)
  counter[0] = BigInt(value)
  return requireNative().write(checked, counter, 0, 8)
}
