/**
 * Sockets of every kind: any family (IPv4, IPv6, unix, netlink, packet, CAN) and type (stream,
 * datagram, seqpacket, raw), datagrams one at a time with their sender, socket options and
 * multicast membership. Batches of datagrams (`recvmmsg`/`sendmmsg`) are in `lib/batch.ts`.
 *
 * As everywhere in the package, every fd is non-blocking and close-on-exec and belongs to the
 * caller; would-block is `WOULD_BLOCK` (or `null` for {@link recvFrom}), never an exception;
 * other failures throw Node-shaped system errors (`code`, negative `errno`, `syscall`), and bad
 * arguments throw coded errors before any system call.
 */
import { DEFAULT_BACKLOG, DEFAULT_HOST, type SocketAddress } from './io'
import { decodeSockaddr, encodeInet4 } from './address'
import { invalidArgType, invalidArgValue, outOfRange } from './errors'
import { requireNative } from './native'
import * as C from './socket-constants'
import { type Fd, toFd, toOptionalBoolean, toOptions } from './validate'
import {
  badPort,
  checkOptionView,
  checkView,
  type NativeAddress,
  optionShape,
  PAIR_TYPES,
  toAddress,
  toFamily,
  toIpLiteral,
  toNumber32,
  toPort,
  toRange,
  toSocketType,
  viewLength,
} from './validate-sockets'

/**
 * Where a socket is or sends to: a {@link SocketAddress} as {@link recvFrom}, {@link localAddress}
 * and {@link remoteAddress} return it (pass it back as it is), `{ address, port }` with an IP
 * literal, `{ path }` for a unix socket (a leading `'\0'` names an abstract one), or a `Uint8Array`
 * holding a raw `struct sockaddr` of any family (netlink, packet, CAN, ...), family field first.
 */
export type Address = SocketAddress | IpAddress | UnixPath | Uint8Array

/** An IP address and port to bind, connect or send to. */
export interface IpAddress {
  /** An IPv4 or IPv6 literal (`'127.0.0.1'`, `'::1'`, `'[::1]'`); names are not resolved. */
  address: string
  /** 0 to 65535; 0 only as a local address (the kernel picks a port). */
  port: number
}

/** A unix socket's path. */
export interface UnixPath {
  /** A filesystem path, or an abstract name starting with `'\0'`. */
  path: string
}

/** Address families by name (or any `AF_*` number). */
export type SocketFamily = 'ipv4' | 'ipv6' | 'unix' | 'netlink' | 'packet' | 'can' | number

/** Socket types by name (or any `SOCK_*` number). */
export type SocketType = 'stream' | 'dgram' | 'seqpacket' | 'raw' | number

/** Options of {@link listenUdp}. */
export interface UdpOptions {
  /** `SO_REUSEPORT`: several sockets (threads, processes) bind the same port; the kernel spreads datagrams by flow. Default `false`. */
  reusePort?: boolean
  /** `IPV6_V6ONLY` on an IPv6 socket: `true` refuses IPv4-mapped traffic on `'::'`. Default: the system's (`net.ipv6.bindv6only`). */
  ipv6Only?: boolean
}

/** What {@link recvFrom} returns for one datagram. */
export interface Datagram {
  /** Bytes written into the buffer: the datagram's size, or the buffer's when it was truncated. 0 is a valid (empty) datagram. */
  bytes: number
  /** The sender: a {@link SocketAddress} (an unnamed unix peer is `{ address: '', port: 0, family: 'unix' }`), or the raw `struct sockaddr` of another family. */
  address: SocketAddress | Uint8Array
  /** The datagram was larger than the buffer: the rest of it is lost. */
  truncated: boolean
}

function native() {
  return requireNative()
}

/** The per-datagram calls: plain Node-API callbacks (`crates/epoll-napi/src/sockets_fast.rs`), made once. */
let datagramPaths: ReturnType<ReturnType<typeof requireNative>['datagramPaths']> | undefined

function fast() {
  return (datagramPaths ??= requireNative().datagramPaths())
}

/** A destination port 0 means nothing to TCP and UDP (ICMP and raw sockets have no port: ignored). */
function refusePortZero(fd: number, addr: NativeAddress): void {
  if (addr[2] !== null || addr[1] !== 0) return
  const protocol = native().getSocketOptionInt(fd, C.SOL_SOCKET, C.SO_PROTOCOL)
  if (protocol === C.IPPROTO_TCP || protocol === C.IPPROTO_UDP) throw badPort(0)
}

/**
 * A new socket (`socket(2)`), non-blocking and close-on-exec: `family` `'ipv4'`, `'ipv6'`, `'unix'`,
 * `'netlink'`, `'packet'`, `'can'` or an `AF_*` number; `type` `'stream'`, `'dgram'`, `'seqpacket'`,
 * `'raw'` or a `SOCK_*` number; `protocol` 0 (the default for the pair) or e.g. `IPPROTO_ICMP`,
 * `NETLINK_ROUTE`. Throws `EAFNOSUPPORT`, `EPROTONOSUPPORT`, `EACCES` (an ICMP socket outside
 * `net.ipv4.ping_group_range`), `EPERM` (raw sockets without `CAP_NET_RAW`), ...
 *
 * ```ts
 * const ping = socket('ipv4', 'dgram', IPPROTO_ICMP)
 * const rtnl = socket('netlink', 'raw', NETLINK_ROUTE)
 * ```
 */
export function socket(family: SocketFamily, type: SocketType, protocol = 0): number {
  const f = toFamily(family)
  const t = toSocketType(type)
  const p = toNumber32(protocol, 'protocol')
  return native().socket(f, t, p)
}

/** Binds a socket to an {@link Address} (`bind(2)`): port 0 lets the kernel pick a free one. */
export function bind(fd: Fd, address: Address): void {
  const checked = toFd(fd)
  const [text, port, raw] = toAddress(address)
  native().bind(checked, text, port, raw)
}

/**
 * Connects a socket (`connect(2)`) without blocking. Returns `true` when connected at once
 * (datagram and unix sockets), `false` when in progress (TCP): the fd becomes writable when done,
 * and `socketError` then says how it went. A connected datagram socket sends to that peer with
 * {@link sendTo} without an address, receives only from it, and reports ICMP errors (`ECONNREFUSED`).
 * A destination port 0 on a TCP or UDP socket is refused (`ERR_SOCKET_BAD_PORT`).
 */
export function connect(fd: Fd, address: Address): boolean {
  const checked = toFd(fd)
  const addr = toAddress(address)
  refusePortZero(checked, addr)
  return native().connect(checked, addr[0], addr[1], addr[2])
}

/** Marks a bound stream or seqpacket socket as listening (`listen(2)`); accept with `accept`. */
export function listen(fd: Fd, backlog: number = DEFAULT_BACKLOG): void {
  const checked = toFd(fd)
  if (typeof backlog !== 'number') throw invalidArgType('backlog', 'of type number', backlog)
  if (!Number.isInteger(backlog) || backlog < 0 || backlog > 0x7fffffff) throw outOfRange('backlog', 'an integer >= 0 and <= 2147483647', backlog)
  native().listen(checked, backlog)
}

/**
 * A UDP socket bound to `host:port` (`host` an IP literal, default `'127.0.0.1'`; `'::'` or
 * `'0.0.0.0'` for every interface; port 0 picks one: read it with {@link localAddress}).
 *
 * ```ts
 * const fd = listenUdp(5353, '0.0.0.0', { reusePort: true })
 * ```
 */
export function listenUdp(port: number, host: string = DEFAULT_HOST, options?: UdpOptions): number {
  const p = toPort(port)
  const h = toIpLiteral(host, 'host')
  const opts = toOptions<UdpOptions>(options)
  const reusePort = toOptionalBoolean(opts.reusePort, 'options.reusePort') ?? false
  const ipv6Only = toOptionalBoolean(opts.ipv6Only, 'options.ipv6Only')
  return native().listenUdp(p, h, reusePort, ipv6Only === undefined ? -1 : Number(ipv6Only))
}

/**
 * Two connected unix sockets (`socketpair(2)`) of `type` `'stream'` (the default), `'dgram'` or
 * `'seqpacket'` (messages with boundaries over a connection).
 */
export function socketpair(type: 'stream' | 'dgram' | 'seqpacket' = 'stream'): [number, number] {
  return native().socketpairOf(toSocketType(type, 'type', PAIR_TYPES))
}

/**
 * Sends one datagram (`sendto(2)`): `buffer` (or `length` bytes of it from `offset`) to `address`,
 * or to the connected peer when `address` is omitted. Returns the bytes sent (all of them, for a
 * datagram), or `WOULD_BLOCK` (-1) when the send buffer is full. A 0-byte datagram is valid.
 * Throws `EMSGSIZE` (larger than the protocol allows), `ECONNREFUSED` (a connected UDP socket whose
 * peer sent an ICMP port unreachable), ... A destination port 0 on TCP/UDP is `ERR_SOCKET_BAD_PORT`.
 */
export function sendTo(fd: Fd, buffer: ArrayBufferView, address?: Address, offset = 0, length?: number): number {
  const checked = toFd(fd)
  checkView(buffer, 'buffer')
  const [from, n] = toRange(buffer, offset, length, 0)
  if (address === undefined) return native().sendTo(checked, buffer, from, n, null, 0, null)
  const addr = toAddress(address)
  refusePortZero(checked, addr)
  // IPv4, the common case, crosses as a raw sockaddr_in: no string for the native side to convert.
  if (addr[2] === null && addr[1] >= 0 && !addr[0]!.includes(':')) {
    return fast().sendToRaw(checked, buffer, from, n, encodeInet4(addr[0]!, addr[1]))
  }
  return native().sendTo(checked, buffer, from, n, addr[0], addr[1], addr[2])
}

/**
 * Receives one datagram (or message) into `buffer` (`offset`/`length` in bytes, default the whole
 * view): `{ bytes, address, truncated }`, or `null` when nothing is queued. A 0-byte datagram is
 * `bytes: 0`, never end of file; a datagram larger than the buffer fills it and is `truncated`.
 */
export function recvFrom(fd: Fd, buffer: ArrayBufferView, offset = 0, length?: number): Datagram | null {
  const checked = toFd(fd)
  checkView(buffer, 'buffer')
  const [from, n] = toRange(buffer, offset, length, 0)
  const bytes = fast().recvFromInto(checked, buffer, from, n, senderName, senderMeta)
  if (bytes === -1) return null
  return { bytes, address: decodeSockaddr(senderName, 0, senderMeta[1]), truncated: (senderMeta[0] & C.MSG_TRUNC) !== 0 }
}

/** Where `recvFrom` has the kernel write the sender (any family fits) and `[flags, name length]`. */
const senderName = new Uint8Array(128)
const senderMeta = new Int32Array(2)

/**
 * The address a socket is bound to (`getsockname`), of any family: a {@link SocketAddress} for
 * IPv4, IPv6 and unix sockets, the raw `struct sockaddr` bytes for others. Typed as
 * `SocketAddress` unless asked: `localAddress<Uint8Array>(netlinkFd)`.
 */
export function localAddress<A extends SocketAddress | Uint8Array = SocketAddress>(fd: Fd): A {
  return native().localAddressAny(toFd(fd)) as A
}

/** The address of a connected socket's peer (`getpeername`), of any family, as {@link localAddress}; `ENOTCONN` when none. */
export function remoteAddress<A extends SocketAddress | Uint8Array = SocketAddress>(fd: Fd): A {
  return native().remoteAddressAny(toFd(fd)) as A
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
 */
export function setSocketOption(fd: Fd, level: number, name: number, value: number | boolean | ArrayBufferView): void {
  const checked = toFd(fd)
  const l = toNumber32(level, 'level')
  const n = toNumber32(name, 'name')
  const shape = optionShape(l, n)
  if (typeof value === 'number' || typeof value === 'boolean') {
    if (shape !== undefined && !shape.int) {
      throw invalidArgType('value', `an ArrayBufferView (${shape.name} is not an int option)`, value)
    }
    const int = typeof value === 'boolean' ? Number(value) : toNumber32(value, 'value')
    return native().setSocketOptionInt(checked, l, n, int)
  }
  checkView(value, 'value')
  checkOptionView(shape, viewLength(value, 'value'), 'value', value)
  native().setSocketOptionBytes(checked, l, n, value)
}

/**
 * Reads a socket option (`getsockopt(2)`): without `into`, an int option's value; with `into`,
 * the option's bytes are written there and their count is returned. An option the package knows
 * not to be an int (`SO_LINGER`, ...) needs `into` of its size.
 */
export function getSocketOption(fd: Fd, level: number, name: number, into?: ArrayBufferView): number {
  const checked = toFd(fd)
  const l = toNumber32(level, 'level')
  const n = toNumber32(name, 'name')
  const shape = optionShape(l, n)
  if (into === undefined) {
    if (shape !== undefined && !shape.int) throw invalidArgType('into', `an ArrayBufferView (${shape.name} is not an int option)`, into)
    return native().getSocketOptionInt(checked, l, n)
  }
  checkView(into, 'into')
  const size = viewLength(into, 'into')
  if (shape === undefined || shape.int || shape.max === undefined) checkOptionView(shape, size, 'into', into)
  else if (size < shape.max) throw invalidArgValue('into', `must be a view of at least ${shape.max} bytes for ${shape.name} (it has ${size})`, into)
  return native().getSocketOptionBytes(checked, l, n, into)
}

function membership(fd: Fd, group: string, multicastInterface: string | undefined, add: boolean): void {
  const checked = toFd(fd)
  const g = toIpLiteral(group, 'multicastAddress')
  let iface: string | null = null
  if (multicastInterface !== undefined) {
    if (typeof multicastInterface !== 'string') throw invalidArgType('multicastInterface', 'of type string', multicastInterface)
    // An IPv4 group is joined on the interface that has this IPv4 address; an IPv6 one by interface name.
    iface = g.includes(':') ? multicastInterface : toIpLiteral(multicastInterface, 'multicastInterface')
    if (!g.includes(':') && iface.includes(':')) throw invalidArgValue('multicastInterface', 'must be an IPv4 address for an IPv4 group', multicastInterface)
  }
  native().membership(checked, g, iface, add)
}

/**
 * Joins a multicast group, as `node:dgram`'s `addMembership`: `multicastInterface` is the IPv4
 * address of the interface for an IPv4 group (default: the kernel picks one from the routes), the
 * interface name (`'lo'`, `'eth0'`) for an IPv6 group. Throws `EADDRINUSE` when already a member.
 */
export function addMembership(fd: Fd, multicastAddress: string, multicastInterface?: string): void {
  membership(fd, multicastAddress, multicastInterface, true)
}

/** Leaves a multicast group joined with {@link addMembership}; `EADDRNOTAVAIL` when not a member. */
export function dropMembership(fd: Fd, multicastAddress: string, multicastInterface?: string): void {
  membership(fd, multicastAddress, multicastInterface, false)
}
