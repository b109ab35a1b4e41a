/**
 * Argument checks for every public entry point. They run before anything is changed, so a bad call
 * throws and leaves the instance as it was.
 */
import { invalidArgType, outOfRange } from './errors'

/** An fd number, or any object with a numeric `fd` (a `net.Socket`'s handle, an `Epoll`, ...). */
export type Fd =
  | number
  | {
      /** The fd number, read once per call. */
      readonly fd: number
    }

const MAX_FD = 0x7fffffff

/** An fd: an integer from 0 to 2**31 - 1, given as a number or as an object's `fd`. */
export function toFd(value: Fd, name = 'fd'): number {
  const fd = typeof value === 'object' && value !== null ? (value as { fd: unknown }).fd : value
  if (typeof fd !== 'number') {
    throw invalidArgType(name, 'of type number or an object with a numeric "fd" property', value)
  }
  if (!Number.isInteger(fd) || fd < 0 || fd > MAX_FD) {
    throw outOfRange(name, `an integer >= 0 and <= ${MAX_FD}`, fd)
  }
  return fd
}

/** An event mask: unsigned 32-bit, or the negative int32 that `|` yields when EPOLLET is set. */
export function toEvents(value: unknown, name = 'events'): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw outOfRange(name, 'a 32-bit integer mask (>= -2**31 and <= 2**32 - 1)', value)
  }
  return value >>> 0
}

/** A timeout in milliseconds for a blocking wait. `undefined`, `-1` and `Infinity` mean forever. */
export function toTimeout(value: unknown, name = 'timeout'): number {
  if (value === undefined) return -1
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (value === -1 || value === Infinity) return -1
  if (Number.isNaN(value) || value < 0) throw outOfRange(name, '>= 0, -1 or Infinity', value)
  return value
}

/** A positive int32 count (`maxEvents`). */
export function toPositiveInt32(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < 1 || value > 0x7fffffff) {
    throw outOfRange(name, 'an integer >= 1 and <= 2147483647', value)
  }
  return value
}

/** An options object, or `undefined`. */
export function toOptions<T extends object>(value: unknown, name = 'options'): Partial<T> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgType(name, 'of type object', value)
  }
  return value as Partial<T>
}

/** An optional boolean option. */
export function toOptionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value
  throw invalidArgType(name, 'of type boolean', value)
}
