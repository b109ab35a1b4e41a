/**
 * `ioctl(2)`: the one call device tools need (TUN/TAP, serial ports, evdev/uinput input devices,
 * terminals), like Python's `fcntl.ioctl`, and {@link ioctlRequest} to build request numbers the way
 * the kernel's `_IO`/`_IOR`/`_IOW`/`_IOWR` macros do.
 *
 * **Not memory-safe in general.** The kernel trusts the request number, not the argument. Checked here:
 * a view smaller than the size the request encodes (`_IOC_SIZE`) is refused before the call, and the
 * kernel works on a zero-padded copy of at least 1 KiB, so a struct somewhat larger than the view cannot
 * overwrite memory after it. Not checkable: requests whose struct holds pointers (the kernel follows
 * them: anything can happen; do not use those), old requests that encode no size (`FIONREAD`,
 * `TIOCGWINSZ`: make the view as large as the kernel's struct), and integer arguments given to requests
 * that expect a pointer (the kernel then writes at that address).
 */
import { invalidArgType, invalidArgValue, outOfRange } from '../internal/errors'
import { requireNative } from '../internal/native'
import { type Fd, validateFd, validateInteger, validateViewLength } from '../internal/validators'

/** The direction of an ioctl's data, from user space's side. */
export type IoctlDirection = 'none' | 'read' | 'write' | 'readwrite'

const DIRECTIONS: readonly IoctlDirection[] = ['none', 'read', 'write', 'readwrite']

function validateRequest(value: unknown): number {
  if (typeof value !== 'number') throw invalidArgType('request', 'of type number', value)
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw outOfRange('request', 'a 32-bit integer (>= -2**31 and <= 2**32 - 1)', value)
  }
  return value >>> 0
}

/**
 * `ioctl(fd, request, arg)`. A view is read and written in place by the kernel (its bytes change for
 * `_IOR`/`_IOWR` requests); a number (default 0) is passed as an integer. `request` may be given signed
 * or unsigned. Returns the kernel's result (usually 0); failures throw a system error (`ENOTTY` for a
 * request the fd does not know). See the module notes on what cannot be made safe.
 *
 * @param fd The device's fd.
 * @param request The request number, signed or unsigned (`ioctlRequest` builds one).
 * @param arg A view the kernel reads and writes in place, or an integer passed as is (default 0).
 */
export function ioctl(fd: Fd, request: number, arg?: number | ArrayBufferView): number {
  const target = validateFd(fd)
  const req = validateRequest(request)
  const native = requireNative()
  if (arg === undefined || typeof arg === 'number') {
    const value = arg ?? 0
    if (!Number.isSafeInteger(value)) throw outOfRange('arg', 'a safe integer', value)
    return native.ioctlValue(target, req, value)
  }
  if (!ArrayBuffer.isView(arg)) throw invalidArgType('arg', 'of type number or an instance of Buffer, TypedArray, or DataView', arg)
  const size = validateViewLength(arg, 'arg')
  const needed = native.ioctlSize(req)
  if (size < needed) {
    throw outOfRange('arg.byteLength', `>= ${needed} (the struct size request 0x${req.toString(16)} encodes)`, size)
  }
  return native.ioctlBuffer(target, req, arg)
}

let sizeBits: number | null = null

/**
 * A request number as the kernel's `_IOC(direction, type, nr, size)` macro builds it, with the layout of
 * the running architecture, unsigned: `ioctlRequest('read', 'E', 0x01, 4) === 0x80044501`
 * (`EVIOCGVERSION`). `type` is the driver's letter (`'T'`) or its code (0-255); `size` is
 * `sizeof` the struct in bytes.
 *
 * @param direction `'none'`, `'read'`, `'write'` or `'readwrite'`: `_IO`, `_IOR`, `_IOW`, `_IOWR`.
 * @param type The driver's type: a number or a one-character string (`'E'` for evdev).
 * @param nr The request's number within the type.
 * @param size The size in bytes of the argument's struct.
 */
export function ioctlRequest(direction: IoctlDirection, type: number | string, nr: number, size: number): number {
  if (typeof direction !== 'string') throw invalidArgType('direction', 'of type string', direction)
  if (!DIRECTIONS.includes(direction)) throw invalidArgValue('direction', "must be 'none', 'read', 'write' or 'readwrite'", direction)
  let code: number
  if (typeof type === 'string') {
    if (type.length !== 1 || type.charCodeAt(0) > 0xff) throw invalidArgValue('type', 'must be one character with a code <= 255', type)
    code = type.charCodeAt(0)
  } else {
    code = validateInteger(type, 'type', 0, 0xff)
  }
  const number = validateInteger(nr, 'nr', 0, 0xff)
  const native = requireNative()
  sizeBits ??= native.constantTables().ioctl.IOC_SIZEBITS
  const bytes = validateInteger(size, 'size', 0, 2 ** sizeBits - 1)
  if (direction === 'none' && bytes !== 0) throw invalidArgValue('size', "must be 0 for direction 'none'", bytes)
  return native.ioctlRequest(direction, code, number, bytes)
}
