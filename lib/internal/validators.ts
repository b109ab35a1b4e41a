/**
 * The one validation layer: every argument check of the package, each throwing Node's code and
 * message shape (built in `./errors`), in the style of Node's `lib/internal/validators.js`:
 * `validateX(value, name)` returns the checked value or throws. They run before anything is changed,
 * so a bad call throws and leaves everything as it was. The native binding trusts these checks and
 * re-checks only what memory safety needs (fd range, view kinds, byte ranges).
 */
import { isIP } from 'node:net'

import { invalidArgType, invalidArgValue, outOfRange, socketBadPort, socketClosed } from './errors'
import { bufferOf, byteLengthOf, byteOffsetOf, elementCountOf, typedArrayKindOf } from './views'
import { kWatchedBy } from './watched'

/** An fd number, or any object with a numeric `fd` (a `net.Socket`'s handle, an `Epoll`, ...). */
export type Fd =
  | number
  | {
      /** The fd number, read once per call. */
      readonly fd: number
    }

const MAX_INT32 = 0x7fffffff

/**
 * The largest timer the kernel holds, exclusive, in milliseconds: a `timespec`'s `tv_sec` is a signed
 * 64-bit count of seconds (on 64-bit Linux), so anything below `2**63` seconds fits. A typed copy of
 * the core's `MAX_TIMER_MS` (checked against the binding's `constantTable()` by a spec).
 */
export const MAX_TIMER_MS = 2 ** 63 * 1000

/** An fd: an integer from 0 to 2**31 - 1, given as a number or as an object's `fd`. */
export function validateFd(value: Fd, name = 'fd'): number {
  const fd = typeof value === 'object' && value !== null ? (value as { fd: unknown }).fd : value
  if (typeof fd !== 'number') {
    throw invalidArgType(name, 'of type number or an object with a numeric "fd" property', value)
  }
  if (!Number.isInteger(fd) || fd < 0 || fd > MAX_INT32) {
    // A closed Socket: its number may already belong to something else.
    if (fd === -1 && value !== fd && kWatchedBy in (value as object)) throw socketClosed()
    throw outOfRange(name, `an integer >= 0 and <= ${MAX_INT32}`, fd)
  }
  return fd
}

/** An event mask: unsigned 32-bit, or the negative int32 that `|` yields when EPOLLET is set. */
export function validateEvents(value: unknown, name = 'events'): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw outOfRange(name, 'a 32-bit integer mask (>= -2**31 and <= 2**32 - 1)', value)
  }
  return value >>> 0
}

/** A timeout in milliseconds for a blocking wait. `undefined`, `-1` and `Infinity` mean forever. */
export function validateTimeout(value: unknown, name = 'timeout'): number {
  if (value === undefined) return -1
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (value === -1 || value === Infinity) return -1
  if (Number.isNaN(value) || value < 0) throw outOfRange(name, '>= 0, -1 or Infinity', value)
  return value
}

/** An integer from `min` to `max`. */
export function validateInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < min || value > max) throw outOfRange(name, `an integer >= ${min} and <= ${max}`, value)
  return value
}

/** A positive int32 count (`maxEvents`). */
export function validatePositiveInt32(value: unknown, name: string): number {
  return validateInteger(value, name, 1, MAX_INT32)
}

/** An options object, or `undefined` (then `{}`). */
export function validateOptions<T extends object>(value: unknown, name = 'options'): Partial<T> {
  if (value === undefined) return {}
  return validateObject(value, name) as Partial<T>
}

/** A plain object (not `null`, not an array). */
export function validateObject(value: unknown, name: string): object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgType(name, 'of type object', value)
  }
  return value
}

/** A boolean. */
export function validateBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value)
  return value
}

/** An optional boolean option. */
export function validateOptionalBoolean(value: unknown, name: string): boolean | undefined {
  return value === undefined ? value : validateBoolean(value, name)
}

/** One of the strings `allowed`. */
export function validateOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (allowed.includes(value as T)) return value as T
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
  throw invalidArgValue(name, `must be one of: ${allowed.map((a) => `'${a}'`).join(', ')}`, value)
}

/** A port to listen on: 0 (any free port) to 65535. */
export function validatePort(value: unknown, name = 'port'): number {
  return validateInteger(value, name, 0, 65535)
}

/**
 * A port to connect to: 1 to 65535 (port 0 is no destination), else `ERR_SOCKET_BAD_PORT` as
 * Node's `validatePort(port, name, false)` throws it.
 */
export function validateDestinationPort(value: unknown, name = 'port'): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw socketBadPort(name, value, false)
  return value
}

/**
 * An IP address literal (`'[::1]'` brackets are accepted and removed), `fallback` when `undefined`
 * and a fallback is given. No name lookups: a blocking DNS query has no place in an event loop.
 * Resolve names first (`dns.promises.lookup`) and pass the address.
 */
export function validateIpLiteral(value: unknown, name: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
  const literal = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value
  if (isIP(literal) === 0) throw invalidArgValue(name, 'must be an IPv4 or IPv6 address literal (no DNS lookup)', value)
  return literal
}

/**
 * A unix socket path, the one rule of every function that takes one: a non-empty string, or the
 * name's bytes as a `Uint8Array` (a name that is not UTF-8), with no NUL except the leading one
 * that names an abstract socket (the kernel would cut a path at an inner NUL and bind or connect
 * somewhere else).
 */
export function validateSocketPath(value: unknown, name = 'path'): string | Uint8Array {
  if (typeof value === 'string') {
    if (value.length === 0) throw invalidArgValue(name, 'must not be empty', value)
    if (value.indexOf('\0', 1) !== -1) throw invalidArgValue(name, INNER_NUL, value)
    return value
  }
  if (!isUint8Array(value)) throw invalidArgType(name, 'of type string or an instance of Uint8Array', value)
  if (validateByteLength(value, name) === 0) throw invalidArgValue(name, 'must not be empty', value)
  if (value.indexOf(0, 1) !== -1) throw invalidArgValue(name, INNER_NUL, value)
  return value
}

const INNER_NUL = "must not contain null bytes (other than the leading '\\0' of an abstract name)"

/** Whether `value` is a real `Uint8Array` (a `Buffer` too), asked of the engine rather than of `instanceof`. */
export function isUint8Array(value: unknown): value is Uint8Array {
  return typedArrayKindOf(value) === 'Uint8Array'
}

/** A timer duration in milliseconds (fractions allowed): finite, >= 0, below {@link MAX_TIMER_MS}. */
export function validateMillis(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!(value >= 0 && value < MAX_TIMER_MS)) {
    throw outOfRange(name, 'a number of milliseconds >= 0 and < 2**63 * 1000 (the kernel holds 2**63 - 1 seconds)', value)
  }
  return value
}

/** A Buffer, TypedArray or DataView. */
export function validateView(value: unknown, name: string): asserts value is ArrayBufferView {
  if (!ArrayBuffer.isView(value)) throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', value)
}

/**
 * `offset`, then `length` (default: the rest of the view), in bytes, inside the view; `minLength` is
 * 1 for reads. Returns the length.
 */
export function validateByteRange(view: ArrayBufferView, offset: unknown, length: unknown, minLength: number): number {
  // Written out rather than through validateInteger: this runs on every read and write, and builds
  // no message unless it throws.
  const size = validateByteLength(view, 'buffer')
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
export function validateByteLength(view: ArrayBufferView, name: string): number {
  let size: number
  try {
    size = byteLengthOf(view)
  } catch (error) {
    if (isDetached(bufferOf(view))) size = 0
    else throw error
  }
  if (size === 0 && isDetached(bufferOf(view))) throw invalidArgValue(name, 'must not be a view of a detached ArrayBuffer', view)
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
 * A plain copy of `buffers`, every element checked to be a view, at most `max` of them, and the bytes
 * they hold in total. The native call gets the copy: each element is read here exactly once, so a
 * getter or proxy trap cannot hand the native call something else, or run JavaScript while it holds
 * pointers.
 */
export function validateViews(buffers: unknown, name: string, max: number): [views: ArrayBufferView[], total: number] {
  if (!Array.isArray(buffers)) throw invalidArgType(name, 'an instance of Array', buffers)
  const count = buffers.length
  if (count > max) throw outOfRange(`${name}.length`, `<= ${max}`, count)
  const views: ArrayBufferView[] = []
  let total = 0
  for (let i = 0; i < count; i++) {
    const view: unknown = buffers[i]
    validateView(view, `${name}[${i}]`)
    views.push(view)
  }
  for (let i = 0; i < count; i++) total += validateByteLength(views[i], `${name}[${i}]`)
  return [views, total]
}

/** Any int32 (a protocol, level or option number: the kernel says whether it knows it). */
export function validateInt32(value: unknown, name: string): number {
  return validateInteger(value, name, -0x80000000, MAX_INT32)
}

/** A listen backlog: `undefined` (then {@link DEFAULT_BACKLOG}) or an integer from 0 to 2**31 - 1. */
export function validateBacklog(value: unknown, name: string): number {
  return value === undefined ? DEFAULT_BACKLOG : validateInteger(value, name, 0, MAX_INT32)
}

/** The listen backlog when none is given (Node's default; a typed copy of the core's, checked by a spec). */
export const DEFAULT_BACKLOG = 511

/**
 * A name from `names` (`'ipv4'`, `'stream'`, ...) or any non-negative int32 (an `AF_*`/`SOCK_*`
 * number the kernel judges). Returns the number.
 */
export function validateNamedNumber(value: unknown, name: string, names: Readonly<Record<string, number>>): number {
  if (typeof value === 'number') return validateInteger(value, name, 0, MAX_INT32)
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string or number', value)
  const known = Object.hasOwn(names, value) ? names[value] : undefined
  if (known === undefined) {
    const list = Object.keys(names).map((n) => `'${n}'`).join(', ')
    throw invalidArgValue(name, `must be one of ${list} or a number`, value)
  }
  return known
}

/** A checked address object: a unix path (text or bytes), or an IP literal and port. */
export type AddressObject = { path: string | Uint8Array; address?: undefined; port?: undefined } | { path?: undefined; address: string; port: number }

/**
 * An address given as an object: `{ path }` (or a `SocketAddress` of family `'unix'`) for a unix
 * socket, `{ address, port }` with an IP literal otherwise. Raw bytes are checked by the codec.
 */
export function validateAddressObject(value: unknown, name: string): AddressObject {
  if (typeof value !== 'object' || value === null) {
    throw invalidArgType(name, 'an object with "address" and "port", an object with "path", or a Uint8Array', value)
  }
  const { path, address, port, family } = value as { path?: unknown; address?: unknown; port?: unknown; family?: unknown }
  if (path !== undefined || family === 'unix') {
    // A unix SocketAddress carries the name's bytes in `path` when they are not UTF-8: those win.
    return { path: validateSocketPath(path !== undefined ? path : address, `${name}.path`) }
  }
  return { address: validateIpLiteral(address, `${name}.address`), port: validatePort(port, `${name}.port`) }
}

/** A destination port 0 on a TCP or UDP socket: `ERR_SOCKET_BAD_PORT`, as `node:dgram`'s `send` says it. */
export function badDestinationPort(port: number): RangeError {
  return socketBadPort('Port', port, false)
}

/** The byte length of an `ArrayBufferView` argument; a non-view or a detached buffer is refused. */
export function validateViewLength(value: unknown, name: string): number {
  validateView(value, name)
  return validateByteLength(value, name)
}

/** A non-empty string without NUL bytes (a path or a name the kernel reads as a C string). */
export function validateCString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
  if (value.length === 0) throw invalidArgValue(name, 'must not be empty', value)
  if (value.includes('\0')) throw invalidArgValue(name, 'must be a string without null bytes', value)
  return value
}

/** An optional `AbortSignal` option (anything with `aborted` and both listener methods, as Node accepts). */
export function validateOptionalSignal(value: unknown, name: string): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (
    value === null ||
    typeof value !== 'object' ||
    !('aborted' in value) ||
    typeof (value as AbortSignal).addEventListener !== 'function' ||
    // Without it a settled wait could not let go of its listener (and used to never settle).
    typeof (value as AbortSignal).removeEventListener !== 'function'
  ) {
    throw invalidArgType(name, 'an instance of AbortSignal', value)
  }
  return value as AbortSignal
}

/** A function, or `undefined`. */
export function validateOptionalFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') throw invalidArgType(name, 'of type function', value)
}

/** Typed array kinds the package takes as arguments. */
type TypedArrayKind = Int32ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor

/**
 * A typed array of kind `type` (a subclass too). Asked of the engine, not of `instanceof`: an object
 * made with `Object.create(Int32Array.prototype)` passes `instanceof` but holds no memory.
 */
export function validateTypedArray<T extends TypedArrayKind>(value: unknown, name: string, type: T): asserts value is InstanceType<T> {
  if (typedArrayKindOf(value) !== type.name) throw invalidArgType(name, `an instance of ${type.name}`, value)
}

/**
 * A plain copy of the array `value` with `min` to `max` elements, each read exactly once (a getter
 * runs once, a hole reads as `undefined`) and checked by `check(element, 'name[i]')`. The native call
 * gets the copy: nothing it converts can be a hole, a getter or a trap.
 */
export function validateArrayOf<T>(value: unknown, name: string, min: number, max: number, check: (element: unknown, name: string) => T): T[] {
  if (!Array.isArray(value)) throw invalidArgType(name, 'an instance of Array', value)
  const count: number = value.length
  if (count < min || count > max) throw outOfRange(`${name}.length`, `>= ${min} and <= ${max}`, count)
  const copy: T[] = []
  for (let i = 0; i < count; i++) copy.push(check(value[i], `${name}[${i}]`))
  return copy
}

/**
 * Views a native call writes into (`written`) share no memory with each other or with the views it
 * reads (`read`): Rust may not hold a mutable slice that aliases another.
 */
export function validateApart(written: ArrayBufferView[], writtenNames: string[], read: ArrayBufferView[], readNames: string[]): void {
  const all = [...written, ...read]
  const names = [...writtenNames, ...readNames]
  for (let i = 0; i < written.length; i++) {
    for (let j = 0; j < all.length; j++) {
      const a = all[i]
      const b = all[j]
      if (i === j || bufferOf(a) !== bufferOf(b)) continue
      const [aStart, bStart] = [byteOffsetOf(a), byteOffsetOf(b)]
      if (aStart < bStart + byteLengthOf(b) && bStart < aStart + byteLengthOf(a)) {
        throw invalidArgValue(names[i], `must not share memory with ${names[j]}`, a)
      }
    }
  }
}

/** `Epoll#pollInto`'s buffer: a real `Uint32Array` with room for one `[fd, events]` pair. */
export function validateEventBuffer(out: unknown): asserts out is Uint32Array {
  validateTypedArray(out, 'out', Uint32Array)
  // The intrinsic length: a subclass's `length` getter could claim room the memory does not have.
  const length = elementCountOf(out)
  if (length < 2) throw outOfRange('out.length', '>= 2 (room for one [fd, events] pair)', length)
}
