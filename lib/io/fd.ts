/**
 * Reading and writing any fd: into and out of caller memory with no copy, scatter/gather, pipes,
 * and closing. Would-block is the return value {@link WOULD_BLOCK} (`-1`), never an exception;
 * every other failure throws a system error shaped like Node's (`code`, negative `errno`,
 * `syscall`). Arguments are checked before anything happens: a range outside a buffer is an
 * `ERR_OUT_OF_RANGE`, never a read or write outside memory.
 */
import { outOfRange } from '../internal/errors'
import { hotCall, requireNative } from '../internal/native'
import {
  type Fd,
  validateBoolean,
  validateByteRange,
  validateFd,
  validateOptionalBoolean,
  validateOptions,
  validateView,
  validateViews,
} from '../internal/validators'
import { isTypedArray, typedByteLengthOf } from '../internal/views'

/** What {@link read}, {@link write}, {@link readv}, {@link writev} and `accept` return when the fd is not ready (a typed copy of the core's, checked by a spec). */
export const WOULD_BLOCK = -1 as const

/** At most this many buffers in one {@link readv} / {@link writev} (Linux's `UIO_MAXIOV`, a typed copy of the core's, checked by a spec). */
export const IOV_MAX = 1024

// Looked up once, not per call: a property load on the binding object is measurable on a path that
// runs twice per round trip (bench/micro/calls-js.ts).
const nativeRead = hotCall('read')
const nativeWrite = hotCall('write')

/** A plain non-negative int32 fd passes with one comparison; anything else takes the path with the messages. */
export function fdOf(fd: Fd): number {
  return typeof fd === 'number' && (fd | 0) === fd && fd >= 0 ? fd : validateFd(fd)
}

/**
 * Reads into `buffer` (any Buffer, TypedArray or DataView; `offset`/`length` in bytes, default the
 * whole view) straight from the fd, no copy. Returns the number of bytes read, `0` at end of file
 * (the peer closed or shut down its writing half), or {@link WOULD_BLOCK} when nothing is there yet.
 * `length` must be at least 1 (a zero-length read would be indistinguishable from EOF). Throws
 * `ECONNRESET` when the peer reset the connection.
 *
 * This is the hot path of every server: with a plain number fd and a non-empty view it costs one
 * call into the binding and a few type checks (see "Performance" in the README).
 *
 * @param fd The fd to read from: a number, or any object with a numeric `fd`.
 * @param buffer Receives the bytes: any Buffer, TypedArray or DataView, written in place.
 * @param offset Where in `buffer` to start, in bytes (default 0).
 * @param length The most bytes to read (default: the rest of `buffer`); never 0.
 */
export function read(fd: Fd, buffer: ArrayBufferView, offset = 0, length?: number): number {
  const checkedFd = fdOf(fd)
  const n = byteCount(buffer, offset, length, 1)
  return nativeRead(checkedFd, buffer, offset, n)
}

/**
 * Writes `buffer` (or `length` bytes of it from `offset`) to the fd. Returns the bytes written, which
 * may be fewer than asked when the socket or pipe is nearly full (write the rest when it is
 * writable again), or {@link WOULD_BLOCK} when it is full. Throws `EPIPE`/`ECONNRESET` when the
 * peer is gone.
 *
 * @param fd The fd to write to: a number, or any object with a numeric `fd`.
 * @param buffer The bytes: any Buffer, TypedArray or DataView.
 * @param offset Where in `buffer` to start, in bytes (default 0).
 * @param length How many bytes to write (default: the rest of `buffer`).
 */
export function write(fd: Fd, buffer: ArrayBufferView, offset = 0, length?: number): number {
  const checkedFd = fdOf(fd)
  const n = byteCount(buffer, offset, length, 0)
  return nativeWrite(checkedFd, buffer, offset, n)
}

/**
 * The bytes `read`/`write` move: `length`, or the rest of the view after `offset`. The checks a
 * valid call passes are a handful of comparisons kept small enough for V8 to inline into the
 * caller; every message is built out of line, by `validateView` and `validateByteRange`.
 */
function byteCount(buffer: ArrayBufferView, offset: number, length: number | undefined, minLength: number): number {
  if (isTypedArray(buffer)) {
    // A typed array's byteLength never throws; a detached one has 0 and takes the path with the
    // messages. Both asked of the engine: a swapped prototype cannot lie here (and it is not slower).
    const size = typedByteLengthOf(buffer)
    if (length === undefined) {
      if (offset === 0 && size >= minLength && size > 0) return size
    } else if (size > 0 && Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= minLength && offset + length <= size) {
      return length
    }
  }
  validateView(buffer, 'buffer')
  return validateByteRange(buffer, offset, length, minLength)
}
/**
 * Reads into several buffers in order (`readv`): bytes read in total, `0` at EOF, or {@link WOULD_BLOCK}.
 * The views must hold at least 1 byte in total (as for {@link read}, 0 bytes read means end of file).
 *
 * @param fd The fd to read from.
 * @param buffers The views to fill in order (at most `IOV_MAX`).
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
 *
 * @param fd The fd to write to.
 * @param buffers The views to write in order (at most `IOV_MAX`).
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
 *
 * @param fd The fd to close: a number, or any object with a numeric `fd`.
 */
export function close(fd: Fd): void {
  requireNative().close(validateFd(fd))
}

/** Options of {@link pipe}. */
export interface PipeOptions {
  /**
   * Both ends non-blocking (`O_NONBLOCK`). Default `true`, as every fd of the package. `false` makes
   * a pipe to hand to another program that expects a blocking one: the flag belongs to the open
   * file, so it travels with the fd to whoever holds it.
   */
  nonBlocking?: boolean
}

/**
 * A pipe: `[readFd, writeFd]`, both close-on-exec and non-blocking unless `{ nonBlocking: false }`.
 *
 * @param options `nonBlocking` (default `true`).
 */
export function pipe(options?: PipeOptions): [readFd: number, writeFd: number] {
  const opts = validateOptions<PipeOptions>(options)
  const nonBlocking = validateOptionalBoolean(opts.nonBlocking, 'options.nonBlocking') ?? true
  return requireNative().pipe(nonBlocking)
}

/**
 * Makes `fd` blocking (`true`: reads and writes wait) or non-blocking (`false`: they return
 * {@link WOULD_BLOCK}), Python's `os.set_blocking`. The flag (`O_NONBLOCK`) belongs to the open
 * file: every duplicate of the fd, in this process or another, sees the change. Use it on fds that
 * arrive blocking (systemd's sockets, inherited pipes) before serving them from the event loop.
 *
 * @param fd Any fd, or an object with one (a `Socket`).
 * @param blocking `true`: reads and writes wait; `false`: they return `WOULD_BLOCK`.
 */
export function setBlocking(fd: Fd, blocking: boolean): void {
  const checked = validateFd(fd)
  requireNative().setBlocking(checked, validateBoolean(blocking, 'blocking'))
}

/**
 * `true` when `fd` is blocking (`O_NONBLOCK` clear), Python's `os.get_blocking`.
 *
 * @param fd Any fd, or an object with one.
 */
export function getBlocking(fd: Fd): boolean {
  return requireNative().getBlocking(validateFd(fd))
}
