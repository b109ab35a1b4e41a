/**
 * `openStream(fd)`: any pollable fd as a `stream.Duplex` — sockets of every type, pipes, FIFOs, ptys,
 * TUN/TAP, character devices, inotify/eventfd/timerfd as raw bytes. Node's own streams take only
 * what libuv recognizes, and `fs.createReadStream` on a device blocks a thread-pool thread per stream.
 *
 * Reads are driven by the thread's one stream `Epoll` (edge-triggered, registered once): each
 * readiness reads everything there is, up to a budget, in one crossing into the binding; a turn that
 * used its budget goes on after `setImmediate`, so an fd that is always ready cannot starve timers or
 * I/O. Writes go out at once when the kernel takes them (`writev` of every queued chunk in one call);
 * what it does not take waits for `EPOLLOUT`, watched only while something is queued.
 */
import { type Fd, validateFd, validateInteger, validateOptionalBoolean, validateOptions } from '../internal/validators'
import { FdStream } from './fd-stream'
import { streamKind } from './stream-kind'

export { FdStream } from './fd-stream'

/** Options of {@link openStream}. */
export interface OpenStreamOptions {
  /** Close the fd when the stream is destroyed (after both sides ended, or on `destroy()`). Default `true`. */
  close?: boolean
  /** Read whole messages (`true`) or bytes (`false`); default: detected (seqpacket, datagram and raw sockets, TUN/TAP). */
  messages?: boolean
  /** Bytes one read turn may take (byte fds), or the room for one message (message fds; a longer one is cut). Default 65536. */
  readSize?: number
  /** Node's `highWaterMark` for both sides (messages, not bytes, on the readable side of a message fd). */
  highWaterMark?: number
  /** Keep the writable side open after the readable side ended. Default `false`, as `net.Socket`. */
  allowHalfOpen?: boolean
}

const DEFAULT_READ_SIZE = 65536
/** The largest `readSize`: 64 MiB per turn is more than any consumer wants at once. */
const MAX_READ_SIZE = 1 << 26

/**
 * Opens any pollable fd as a `stream.Duplex` ({@link FdStream}). The fd must be non-blocking; the
 * stream owns it unless `close: false`, and closes it exactly once, before `'close'`. A regular file
 * is refused with `EPERM` (epoll cannot watch it): use `fs.createReadStream` for files.
 *
 * ```ts
 * const [r, w] = pipe()
 * openStream(w).end('hello')
 * for await (const chunk of openStream(r)) console.log(String(chunk))
 * ```
 *
 * @param fd A non-blocking fd that epoll can watch: a number, or any object with a numeric `fd`.
 * @param options `close` (default `true`), `messages` (default: detected), `readSize`, `highWaterMark`,
 *   `allowHalfOpen`.
 */
export function openStream(fd: Fd, options?: OpenStreamOptions): FdStream {
  const checked = validateFd(fd)
  const opts = validateOptions<OpenStreamOptions>(options)
  const closeFd = validateOptionalBoolean(opts.close, 'options.close') ?? true
  const messages = validateOptionalBoolean(opts.messages, 'options.messages')
  const allowHalfOpen = validateOptionalBoolean(opts.allowHalfOpen, 'options.allowHalfOpen') ?? false
  const readSize = opts.readSize === undefined ? DEFAULT_READ_SIZE : validateInteger(opts.readSize, 'options.readSize', 1, MAX_READ_SIZE)
  const highWaterMark = opts.highWaterMark === undefined ? undefined : validateInteger(opts.highWaterMark, 'options.highWaterMark', 0, 0x7fffffff)
  const kind = streamKind(checked, messages)
  return new FdStream(checked, kind, { close: closeFd, readSize, highWaterMark, allowHalfOpen })
}
