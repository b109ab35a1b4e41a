/**
 * Kernel counters as fds: eventfd (a counter other threads and processes add to) and timerfd (a
 * monotonic timer). Both are readable while they hold a count; {@link readCounter} takes it.
 */
import { requireNative } from '../internal/native'
import { type Fd, validateFd, validateInteger, validateMillis, validateObject, validateOptionalBoolean, validateOptions } from '../internal/validators'
import { WOULD_BLOCK } from './fd'

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

function validateTimer(options: unknown): [initial: number, interval: number] {
  const { initial, interval } = validateObject(options, 'options') as Partial<TimerOptions>
  return [validateMillis(initial, 'options.initial'), interval === undefined ? 0 : validateMillis(interval, 'options.interval')]
}

/**
 * An eventfd: a kernel counter, readable (`EPOLLIN`) while it is non-zero. Add to it with
 * {@link writeCounter} (from any thread: fds are shared by the process's workers); take it with
 * {@link readCounter}. `initial` is an integer from 0 to 2**32 - 1 (default 0).
 *
 * @param initial The counter's starting value (default 0: not readable).
 * @param options `semaphore`: each read takes 1 instead of the whole count.
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
 *
 * @param options `initial`: ms to the first expiration; `interval`: ms between the next ones (0 or omitted:
 *   once).
 */
export function timerfd(options: TimerOptions): number {
  const [initial, interval] = validateTimer(options)
  return requireNative().timerfd(initial, interval)
}

/**
 * Re-arms a timerfd with new times (e.g. to push an idle timeout back), or disarms it with `null`.
 *
 * @param fd A timerfd.
 * @param options The new `initial` delay and `interval` in ms, or `null` to disarm.
 */
export function setTimer(fd: Fd, options: TimerOptions | null): void {
  const checked = validateFd(fd)
  if (options === null) return requireNative().setTimer(checked, null, 0)
  const [initial, interval] = validateTimer(options)
  requireNative().setTimer(checked, initial, interval)
}

/** Scratch space for the 8-byte counters of eventfd and timerfd. */
const counter = new BigUint64Array(1)

/**
 * Reads the 8-byte counter of an eventfd or timerfd: the count (eventfd: its value, which resets to 0,
 * or 1 in semaphore mode; timerfd: expirations since the last read), or {@link WOULD_BLOCK} when it
 * is 0. Counts above 2**53 lose precision as a number; read into a `BigUint64Array` for those.
 *
 * @param fd An eventfd or a timerfd.
 */
export function readCounter(fd: Fd): number {
  const n = requireNative().read(validateFd(fd), counter, 0, 8)
  return n === WOULD_BLOCK ? WOULD_BLOCK : Number(counter[0])
}

/**
 * Adds `value` (default 1) to an eventfd's counter, waking whoever waits on it. Returns 8, or
 * {@link WOULD_BLOCK} if the counter would overflow 2**64 - 2.
 *
 * @param fd An eventfd.
 * @param value What to add to the counter (default 1).
 */
export function writeCounter(fd: Fd, value = 1): number {
  const checked = validateFd(fd)
  validateInteger(value, 'value', 1, Number.MAX_SAFE_INTEGER)
  counter[0] = BigInt(value)
  return requireNative().write(checked, counter, 0, 8)
}
