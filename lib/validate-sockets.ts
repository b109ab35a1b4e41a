/**
 * Argument checks of the socket functions (`lib/sockets.ts`, `lib/batch.ts`): family and type names,
 * addresses of every kind, byte ranges, option values. Everything is checked here, before any
 * system call, with Node's codes and message shapes.
 */
import { isIP } from 'node:net'

import { invalidArgType, invalidArgValue, outOfRange } from './errors'
import { validateByteLength, validateByteRange, validateView } from './validate'
import * as C from './socket-constants'

/** An address as the native calls take it: `[text, port, raw]` (a unix path has port -1). */
export type NativeAddress = [text: string | null, port: number, raw: Uint8Array | null]

const FAMILIES: Record<string, number> = {
  ipv4: C.AF_INET,
  ipv6: C.AF_INET6,
  unix: C.AF_UNIX,
  netlink: C.AF_NETLINK,
  packet: C.AF_PACKET,
  can: C.AF_CAN,
}

const TYPES: Record<string, number> = {
  stream: C.SOCK_STREAM,
  dgram: C.SOCK_DGRAM,
  seqpacket: C.SOCK_SEQPACKET,
  raw: C.SOCK_RAW,
}

function toInt32(value: unknown, name: string, min = -0x80000000): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < min || value > 0x7fffffff) {
    throw outOfRange(name, `an integer >= ${min} and <= 2147483647`, value)
  }
  return value
}

function fromNames(value: unknown, name: string, names: Record<string, number>): number {
  if (typeof value === 'number') return toInt32(value, name, 0)
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string or number', value)
  const known = Object.hasOwn(names, value) ? names[value] : undefined
  if (known === undefined) {
    const list = Object.keys(names).map((n) => `'${n}'`).join(', ')
    throw invalidArgValue(name, `must be one of ${list} or a number`, value)
  }
  return known
}

/** `'ipv4' | 'ipv6' | 'unix' | 'netlink' | 'packet' | 'can'` or an `AF_*` number. */
export function toFamily(value: unknown): number {
  return fromNames(value, 'family', FAMILIES)
}

/** `'stream' | 'dgram' | 'seqpacket' | 'raw'` or a `SOCK_*` number (flags such as `SOCK_NONBLOCK` are always added). */
export function toSocketType(value: unknown, name = 'type', allowed: Record<string, number> = TYPES): number {
  return fromNames(value, name, allowed)
}

/** The socket types of a `socketpair`. */
export const PAIR_TYPES: Record<string, number> = { stream: C.SOCK_STREAM, dgram: C.SOCK_DGRAM, seqpacket: C.SOCK_SEQPACKET }

/** A protocol, level or option number (any int32; the kernel says whether it knows it). */
export function toNumber32(value: unknown, name: string): number {
  return toInt32(value, name)
}

function toPortOf(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw outOfRange(name, 'an integer >= 0 and <= 65535', value)
  return value
}

/** An IP literal, brackets allowed around IPv6 (no DNS lookup: resolve names first). */
export function toIpLiteral(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
  const literal = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value
  if (isIP(literal) === 0) throw invalidArgValue(name, 'must be an IPv4 or IPv6 address literal (no DNS lookup)', value)
  return literal
}

/** A port for a local address: 0 to 65535 (0: the kernel picks one). */
export function toPort(value: unknown, name = 'port'): number {
  return toPortOf(value, name)
}

/** The largest raw `struct sockaddr` (`sockaddr_storage`). */
export const SOCKADDR_STORAGE_SIZE = 128

/**
 * Any {@link Address}: a `SocketAddress` (as `recvFrom`/`localAddress` return it), `{ address, port }`,
 * `{ path }` for unix sockets, or a `Uint8Array` holding a raw `struct sockaddr`.
 */
export function toAddress(value: unknown, name = 'address'): NativeAddress {
  if (value instanceof Uint8Array) {
    if (value.byteLength < 2 || value.byteLength > SOCKADDR_STORAGE_SIZE) {
      throw outOfRange(`${name}.byteLength`, `>= 2 and <= ${SOCKADDR_STORAGE_SIZE} (a raw struct sockaddr)`, value.byteLength)
    }
    return [null, 0, value]
  }
  if (typeof value !== 'object' || value === null) {
    throw invalidArgType(name, 'an object with "address" and "port", an object with "path", or a Uint8Array', value)
  }
  const { path, address, port, family } = value as { path?: unknown; address?: unknown; port?: unknown; family?: unknown }
  if (path !== undefined || family === 'unix') {
    const p = path !== undefined ? path : address
    if (typeof p !== 'string') throw invalidArgType(`${name}.path`, 'of type string', p)
    if (p.length === 0) throw invalidArgValue(`${name}.path`, 'must not be empty', p)
    return [p, -1, null]
  }
  return [toIpLiteral(address, `${name}.address`), toPortOf(port, `${name}.port`), null]
}

/** Node's `ERR_SOCKET_BAD_PORT`, for a destination port 0 on a TCP or UDP socket. */
export function badPort(port: number): RangeError {
  const error = new RangeError(`Port should be > 0 and < 65536. Received type number (${port}).`)
  Object.defineProperty(error, 'code', { value: 'ERR_SOCKET_BAD_PORT', enumerable: true, writable: true, configurable: true })
  return error
}

/** The view's length in bytes; a view of a detached buffer is refused (`lib/validate.ts`). */
export const viewLength = validateByteLength

/** A Buffer, TypedArray or DataView (`lib/validate.ts`). */
export const checkView: (value: unknown, name: string) => asserts value is ArrayBufferView = validateView

/** `offset` and `length` (default: the rest) in bytes within `view`; `length` >= `minLength`. */
export function toRange(view: ArrayBufferView, offset: unknown, length: unknown, minLength: number): [number, number] {
  const n = validateByteRange(view, offset, length, minLength)
  return [offset as number, n]
}

// ---------------------------------------------------------------------------------------------
// socket options

/** What a known option's value is: an int, or bytes of one of the given sizes (or up to `max`). */
type OptionShape = { int: true; name: string } | { int: false; name: string; sizes?: number[]; max?: number }

const INT_OPTIONS: [level: number, names: string[]][] = [
  [
    C.SOL_SOCKET,
    ['SO_REUSEADDR', 'SO_REUSEPORT', 'SO_TYPE', 'SO_PROTOCOL', 'SO_DOMAIN', 'SO_ERROR', 'SO_RCVBUF', 'SO_SNDBUF', 'SO_KEEPALIVE'],
  ],
  [C.SOL_SOCKET, ['SO_BROADCAST', 'SO_TIMESTAMP', 'SO_PRIORITY', 'SO_MARK', 'SO_PASSCRED', 'SO_RCVLOWAT', 'SO_BUSY_POLL', 'SO_INCOMING_CPU']],
  [C.IPPROTO_TCP, ['TCP_NODELAY', 'TCP_CORK', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT', 'TCP_QUICKACK', 'TCP_USER_TIMEOUT', 'TCP_FASTOPEN']],
  [C.IPPROTO_IP, ['IP_TTL', 'IP_TOS', 'IP_MULTICAST_TTL', 'IP_MULTICAST_LOOP', 'IP_PKTINFO', 'IP_RECVERR', 'IP_FREEBIND', 'IP_TRANSPARENT', 'IP_MTU_DISCOVER']],
  [C.IPPROTO_IPV6, ['IPV6_V6ONLY', 'IPV6_UNICAST_HOPS', 'IPV6_MULTICAST_IF', 'IPV6_MULTICAST_HOPS', 'IPV6_MULTICAST_LOOP', 'IPV6_RECVPKTINFO']],
]

const SHAPES = new Map<string, OptionShape>()
for (const [level, names] of INT_OPTIONS) {
  for (const name of names) SHAPES.set(`${level}:${C.socketConstants[name as C.SocketConstantName]}`, { int: true, name })
}
SHAPES.set(`${C.SOL_SOCKET}:${C.SO_LINGER}`, { int: false, name: 'SO_LINGER', sizes: [8] })
SHAPES.set(`${C.SOL_SOCKET}:${C.SO_BINDTODEVICE}`, { int: false, name: 'SO_BINDTODEVICE', max: 16 })
SHAPES.set(`${C.IPPROTO_IP}:${C.IP_MULTICAST_IF}`, { int: false, name: 'IP_MULTICAST_IF', sizes: [4, 8, 12] })
SHAPES.set(`${C.IPPROTO_IP}:${C.IP_ADD_MEMBERSHIP}`, { int: false, name: 'IP_ADD_MEMBERSHIP', sizes: [8, 12] })
SHAPES.set(`${C.IPPROTO_IP}:${C.IP_DROP_MEMBERSHIP}`, { int: false, name: 'IP_DROP_MEMBERSHIP', sizes: [8, 12] })
SHAPES.set(`${C.IPPROTO_IPV6}:${C.IPV6_ADD_MEMBERSHIP}`, { int: false, name: 'IPV6_ADD_MEMBERSHIP', sizes: [20] })
SHAPES.set(`${C.IPPROTO_IPV6}:${C.IPV6_DROP_MEMBERSHIP}`, { int: false, name: 'IPV6_DROP_MEMBERSHIP', sizes: [20] })

/** The shape of an option the package knows, `undefined` for others (passed through as given). */
export function optionShape(level: number, name: number): OptionShape | undefined {
  return SHAPES.get(`${level}:${name}`)
}

/** A view for a known option has its size (an int option takes 4 bytes, `SO_LINGER` 8, ...). */
export function checkOptionView(shape: OptionShape | undefined, size: number, argument: string, view: ArrayBufferView): void {
  if (shape === undefined) return
  const sizes = shape.int ? [4] : shape.sizes
  if (sizes !== undefined && !sizes.includes(size)) {
    const expected = sizes.length === 1 ? `${sizes[0]} bytes` : `${sizes.slice(0, -1).join(', ')} or ${sizes.at(-1)} bytes`
    throw invalidArgValue(argument, `must be a view of ${expected} for ${shape.name} (it has ${size})`, view)
  }
  if (!shape.int && shape.max !== undefined && (size < 1 || size > shape.max)) {
    throw invalidArgValue(argument, `must be a view of 1 to ${shape.max} bytes for ${shape.name} (it has ${size})`, view)
  }
}
