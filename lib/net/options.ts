/**
 * Socket options (`setsockopt(2)`/`getsockopt(2)`) and multicast membership. Options the package
 * knows have a shape (an int, or bytes of given sizes), checked before the call; any other option is
 * passed to the kernel as given.
 */
import { invalidArgType, invalidArgValue } from '../internal/errors'
import { requireNative } from '../internal/native'
import { type Fd, validateByteLength, validateFd, validateInt32, validateIpLiteral, validateView } from '../internal/validators'
import * as C from './constants'

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
function optionShape(level: number, name: number): OptionShape | undefined {
  return SHAPES.get(`${level}:${name}`)
}

/** A view for a known option has its size (an int option takes 4 bytes, `SO_LINGER` 8, ...). */
function checkOptionView(shape: OptionShape | undefined, size: number, argument: string, view: ArrayBufferView): void {
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

/**
 * Sets a socket option (`setsockopt(2)`): `value` a number or boolean for int options, or the
 * option's bytes as a view (`SO_LINGER`: an `Int32Array` of `[onoff, seconds]`). For an option
 * the package knows, a view of the wrong size is refused before the call (an int option takes 4
 * bytes, `SO_LINGER` 8); others are passed to the kernel as given.
 *
 * ```ts
 * setSocketOption(fd, SOL_SOCKET, SO_RCVBUF, 1 << 20)
 * setSocketOption(fd, SOL_SOCKET, SO_LINGER, new Int32Array([1, 0]))
 * ```
 *
 * @param fd A socket.
 * @param level `SOL_SOCKET`, `IPPROTO_TCP`, `IPPROTO_IP`, `IPPROTO_IPV6`, ...
 * @param name The option: `SO_*`, `TCP_*`, `IP_*`, `IPV6_*`, ...
 * @param value A number or boolean for an int option, or the option's bytes as a view.
 */
export function setSocketOption(fd: Fd, level: number, name: number, value: number | boolean | ArrayBufferView): void {
  const checked = validateFd(fd)
  const l = validateInt32(level, 'level')
  const n = validateInt32(name, 'name')
  const shape = optionShape(l, n)
  if (typeof value === 'number' || typeof value === 'boolean') {
    if (shape !== undefined && !shape.int) {
      throw invalidArgType('value', `an ArrayBufferView (${shape.name} is not an int option)`, value)
    }
    const int = typeof value === 'boolean' ? Number(value) : validateInt32(value, 'value')
    return requireNative().setSocketOptionInt(checked, l, n, int)
  }
  validateView(value, 'value')
  checkOptionView(shape, validateByteLength(value, 'value'), 'value', value)
  requireNative().setSocketOptionBytes(checked, l, n, value)
}

/**
 * Reads a socket option (`getsockopt(2)`): without `into`, an int option's value; with `into`,
 * the option's bytes are written there and their count is returned. An option the package knows
 * not to be an int (`SO_LINGER`, ...) needs `into` of its size.
 *
 * @param fd A socket.
 * @param level `SOL_SOCKET`, `IPPROTO_TCP`, `IPPROTO_IP`, `IPPROTO_IPV6`, ...
 * @param name The option: `SO_*`, `TCP_*`, `IP_*`, `IPV6_*`, ...
 * @param into Receives the option's bytes; omitted: the option is an int and is returned.
 */
export function getSocketOption(fd: Fd, level: number, name: number, into?: ArrayBufferView): number {
  const checked = validateFd(fd)
  const l = validateInt32(level, 'level')
  const n = validateInt32(name, 'name')
  const shape = optionShape(l, n)
  if (into === undefined) {
    if (shape !== undefined && !shape.int) throw invalidArgType('into', `an ArrayBufferView (${shape.name} is not an int option)`, into)
    return requireNative().getSocketOptionInt(checked, l, n)
  }
  validateView(into, 'into')
  const size = validateByteLength(into, 'into')
  if (shape === undefined || shape.int || shape.max === undefined) checkOptionView(shape, size, 'into', into)
  else if (size < shape.max) throw invalidArgValue('into', `must be a view of at least ${shape.max} bytes for ${shape.name} (it has ${size})`, into)
  return requireNative().getSocketOptionBytes(checked, l, n, into)
}

function membership(fd: Fd, group: string, multicastInterface: string | undefined, add: boolean): void {
  const checked = validateFd(fd)
  const g = validateIpLiteral(group, 'multicastAddress')
  let iface: string | null = null
  if (multicastInterface !== undefined) {
    if (typeof multicastInterface !== 'string') throw invalidArgType('multicastInterface', 'of type string', multicastInterface)
    // An IPv4 group is joined on the interface that has this IPv4 address; an IPv6 one by interface name.
    iface = g.includes(':') ? multicastInterface : validateIpLiteral(multicastInterface, 'multicastInterface')
    if (!g.includes(':') && iface.includes(':')) throw invalidArgValue('multicastInterface', 'must be an IPv4 address for an IPv4 group', multicastInterface)
  }
  requireNative().membership(checked, g, iface, add)
}

/**
 * Joins a multicast group, as `node:dgram`'s `addMembership`: `multicastInterface` is the IPv4
 * address of the interface for an IPv4 group (default: the kernel picks one from the routes), the
 * interface name (`'lo'`, `'eth0'`) for an IPv6 group. Throws `EADDRINUSE` when already a member.
 *
 * @param fd A UDP socket.
 * @param multicastAddress The multicast group's IP literal.
 * @param multicastInterface IPv4: the interface's address; IPv6: its name (default: the kernel chooses).
 */
export function addMembership(fd: Fd, multicastAddress: string, multicastInterface?: string): void {
  membership(fd, multicastAddress, multicastInterface, true)
}

/**
 * Leaves a multicast group joined with {@link addMembership}; `EADDRNOTAVAIL` when not a member.
 *
 * @param fd A UDP socket.
 * @param multicastAddress The multicast group's IP literal.
 * @param multicastInterface As given to `addMembership`.
 */
export function dropMembership(fd: Fd, multicastAddress: string, multicastInterface?: string): void {
  membership(fd, multicastAddress, multicastInterface, false)
}
