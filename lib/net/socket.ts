/**
 * Sockets of every kind: any family (IPv4, IPv6, unix, netlink, packet, CAN) and type (stream,
 * datagram, seqpacket, raw), made, bound, connected, listened on and accepted; the TCP and unix
 * shortcuts a server starts with; where a socket is and who its peer is. Datagrams are in
 * `./datagram`, batches of them in `./message-batch`, options in `./options`.
 *
 * As everywhere in the package, every fd is non-blocking and close-on-exec and belongs to the
 * caller; would-block is `WOULD_BLOCK`, never an exception; other failures throw Node-shaped system
 * errors (`code`, negative `errno`, `syscall`), and bad arguments throw coded errors before any
 * system call.
 */
import { hotCall, requireNative } from '../internal/native'
import {
  badDestinationPort,
  DEFAULT_BACKLOG,
  type Fd,
  validateBacklog,
  validateBoolean,
  validateDestinationPort,
  validateFd,
  validateInt32,
  validateIpLiteral,
  validateNamedNumber,
  validateOneOf,
  validateOptionalBoolean,
  validateOptions,
  validatePort,
  validateSocketPath,
} from '../internal/validators'
import { fdOf, WOULD_BLOCK } from '../io/fd'
import { type Address, decodeAddress, encodeAddress, encodeIp, encodeUnixPath, portOf, SOCKADDR_STORAGE_SIZE, type SocketAddress } from './address'
import * as C from './constants'

export { DEFAULT_BACKLOG }

/** The host {@link listenTcp} and {@link connectTcp} use when none is given. */
export const DEFAULT_HOST = '127.0.0.1'

/**
 * Address families by name (or any `AF_*` number). `'IPv4'` and `'IPv6'` are the names, spelled as
 * Node's `net` and every address of the package spells them (`{ family: 'IPv4' }`); the lowercase
 * `'ipv4'` and `'ipv6'` are accepted too.
 */
export type SocketFamily = 'IPv4' | 'IPv6' | 'ipv4' | 'ipv6' | 'unix' | 'netlink' | 'packet' | 'can' | number

/** Socket types by name (or any `SOCK_*` number). */
export type SocketType = 'stream' | 'dgram' | 'seqpacket' | 'raw' | number

const FAMILIES: Readonly<Record<string, number>> = {
  IPv4: C.AF_INET,
  IPv6: C.AF_INET6,
  ipv4: C.AF_INET,
  ipv6: C.AF_INET6,
  unix: C.AF_UNIX,
  netlink: C.AF_NETLINK,
  packet: C.AF_PACKET,
  can: C.AF_CAN,
}

const TYPES: Readonly<Record<string, number>> = { stream: C.SOCK_STREAM, dgram: C.SOCK_DGRAM, seqpacket: C.SOCK_SEQPACKET, raw: C.SOCK_RAW }

/** The socket types of a {@link socketpair}. */
const PAIR_TYPES: Readonly<Record<string, number>> = { stream: C.SOCK_STREAM, dgram: C.SOCK_DGRAM, seqpacket: C.SOCK_SEQPACKET }

/** How {@link shutdown} may close a connection. */
const SHUTDOWN_HOW = ['read', 'write', 'both'] as const

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

const nativeAccept = hotCall('acceptFd')
const nativeAcceptFrom = hotCall('acceptFrom')

/**
 * The raw address to connect or send to: a destination port 0 means nothing to TCP and UDP and is
 * `ERR_SOCKET_BAD_PORT` (ICMP and raw sockets have no port: for them it is ignored). Raw bytes are
 * passed as given.
 */
export function destination(fd: number, address: unknown, syscall: string): Uint8Array {
  const raw = encodeAddress(address, syscall)
  if (raw === address || portOf(raw) !== 0) return raw
  const protocol = requireNative().getSocketOptionInt(fd, C.SOL_SOCKET, C.SO_PROTOCOL)
  if (protocol === C.IPPROTO_TCP || protocol === C.IPPROTO_UDP) throw badDestinationPort(0)
  return raw
}

/**
 * A new socket (`socket(2)`), non-blocking and close-on-exec: `family` `'IPv4'`, `'IPv6'`, `'unix'`,
 * `'netlink'`, `'packet'`, `'can'` or an `AF_*` number; `type` `'stream'`, `'dgram'`, `'seqpacket'`,
 * `'raw'` or a `SOCK_*` number; `protocol` 0 (the default for the pair) or e.g. `IPPROTO_ICMP`,
 * `NETLINK_ROUTE`. Throws `EAFNOSUPPORT`, `EPROTONOSUPPORT`, `EACCES` (an ICMP socket outside
 * `net.ipv4.ping_group_range`), `EPERM` (raw sockets without `CAP_NET_RAW`), ...
 *
 * ```ts
 * const ping = socket('IPv4', 'dgram', IPPROTO_ICMP)
 * const rtnl = socket('netlink', 'raw', NETLINK_ROUTE)
 * ```
 *
 * @param family `'ipv4'`, `'ipv6'`, `'unix'`, `'netlink'`, `'packet'`, `'can'` or an `AF_*` number.
 * @param type `'stream'`, `'dgram'`, `'seqpacket'`, `'raw'` or a `SOCK_*` number.
 * @param protocol The protocol (default 0: the family's default for the type), e.g. `IPPROTO_ICMP`,
 *   `NETLINK_ROUTE`.
 */
export function socket(family: SocketFamily, type: SocketType, protocol = 0): number {
  const f = validateNamedNumber(family, 'family', FAMILIES)
  const t = validateNamedNumber(type, 'type', TYPES)
  const p = validateInt32(protocol, 'protocol')
  return requireNative().socket(f, t, p)
}

/**
 * Binds a socket to an {@link Address} (`bind(2)`): port 0 lets the kernel pick a free one.
 *
 * @param fd The socket.
 * @param address An `Address`: `{ address, port }`, `{ path }`, or raw `struct sockaddr` bytes (port 0: the
 *   kernel picks one).
 */
export function bind(fd: Fd, address: Address): void {
  const checked = validateFd(fd)
  requireNative().bind(checked, encodeAddress(address, 'bind'))
}

/**
 * Connects a socket (`connect(2)`) without blocking. Returns `true` when connected at once
 * (datagram and unix sockets), `false` when in progress (TCP): the fd becomes writable when done,
 * and `socketError` then says how it went. A connected datagram socket sends to that peer with
 * `sendTo` without an address, receives only from it, and reports ICMP errors (`ECONNREFUSED`).
 * A destination port 0 on a TCP or UDP socket is refused (`ERR_SOCKET_BAD_PORT`).
 *
 * @param fd The socket.
 * @param address An `Address`: `{ address, port }`, `{ path }`, or raw `struct sockaddr` bytes.
 */
export function connect(fd: Fd, address: Address): boolean {
  const checked = validateFd(fd)
  return requireNative().connect(checked, destination(checked, address, 'connect'))
}

/**
 * Marks a bound stream or seqpacket socket as listening (`listen(2)`); accept with {@link accept}.
 *
 * @param fd A bound stream or seqpacket socket.
 * @param backlog The length of the queue of pending connections (default `DEFAULT_BACKLOG`).
 */
export function listen(fd: Fd, backlog: number = DEFAULT_BACKLOG): void {
  const checked = validateFd(fd)
  requireNative().listen(checked, validateBacklog(backlog, 'backlog'))
}

/**
 * A listening TCP socket on `host:port` (`SO_REUSEADDR` set, as Node does). `port` 0 picks a free
 * port: read it back with {@link localAddress}. `host` is an IP literal (default `'127.0.0.1'`;
 * `'::'` or `'0.0.0.0'` for every interface; `'[::1]'` brackets are accepted).
 * Throws `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`, ...
 *
 * ```ts
 * const listener = listenTcp(8080, '::', { reusePort: true })
 * ```
 *
 * @param port The port (0: the kernel picks one, read it with `localAddress`).
 * @param host An IP literal (default `'127.0.0.1'`; `'::'` or `'0.0.0.0'` for every interface).
 * @param options `backlog` (default `DEFAULT_BACKLOG`) and `reusePort` (`SO_REUSEPORT`).
 */
export function listenTcp(port: number, host?: string, options?: ListenOptions): number {
  const p = validatePort(port)
  const h = validateIpLiteral(host, 'host', DEFAULT_HOST)
  const opts = validateOptions<ListenOptions>(options)
  const backlog = validateBacklog(opts.backlog, 'options.backlog')
  const reusePort = validateOptionalBoolean(opts.reusePort, 'options.reusePort') ?? false
  return requireNative().listenStream(encodeIp(h, p), backlog, reusePort)
}

/**
 * A listening unix stream socket at `path` (a leading `'\0'` makes an abstract socket, which has no
 * file; a NUL anywhere else is `ERR_INVALID_ARG_VALUE`; a `Uint8Array` gives the name's exact
 * bytes). An existing file at `path` is `EADDRINUSE`: remove a stale socket file first if that is
 * what you mean.
 *
 * @param path The socket's path (a leading `'\0'` names an abstract socket).
 * @param options `backlog` (default `DEFAULT_BACKLOG`).
 */
export function listenUnix(path: string | Uint8Array, options?: Pick<ListenOptions, 'backlog'>): number {
  const p = validateSocketPath(path)
  const opts = validateOptions<ListenOptions>(options)
  return requireNative().listenStream(encodeUnixPath(p, 'bind'), validateBacklog(opts.backlog, 'options.backlog'), false)
}

/**
 * Starts a non-blocking TCP connect to `port` (1 to 65535: port 0 is `ERR_SOCKET_BAD_PORT`, as in
 * Node) and returns the fd at once. The fd becomes writable
 * (`EPOLLOUT`) when the connect has finished; then {@link socketError} is 0 on success or the
 * errno of the failure (e.g. `ECONNREFUSED`, with `EPOLLERR` in the events).
 *
 * @param port The port to connect to (1 to 65535).
 * @param host An IP literal (default `'127.0.0.1'`; host names are not resolved).
 */
export function connectTcp(port: number, host?: string): number {
  const p = validateDestinationPort(port)
  const h = validateIpLiteral(host, 'host', DEFAULT_HOST)
  return requireNative().connectStream(encodeIp(h, p))
}

/**
 * Connects a unix stream socket at `path`. Throws `ENOENT` when nothing is there, `ECONNREFUSED` when no
 * one listens.
 *
 * @param path The socket's path (a leading `'\0'` names an abstract socket).
 */
export function connectUnix(path: string | Uint8Array): number {
  return requireNative().connectStream(encodeUnixPath(validateSocketPath(path), 'connect'))
}

/** Options of {@link accept}. */
export interface AcceptOptions {
  /** Return `{ fd, address }`: the peer's address from the same `accept4` call. Default `false`. */
  address?: boolean
}

/** A connection accepted with `{ address: true }`. */
export interface Accepted {
  /** The connection's fd (non-blocking, close-on-exec), yours to close. */
  fd: number
  /** The peer, as the kernel reported it when accepting: a {@link SocketAddress} (an unnamed unix peer has `address: ''`), or raw bytes for another family. */
  address: SocketAddress | Uint8Array
}

/** Where `accept(fd, { address: true })` has the kernel write the peer, and the length it wrote. */
const peerName = new Uint8Array(SOCKADDR_STORAGE_SIZE)
const peerLength = new Int32Array(1)

/**
 * Accepts one pending connection and returns its fd (non-blocking, close-on-exec), or
 * `WOULD_BLOCK` when none is pending. With a level-triggered listener accept one per
 * event; with `EPOLLET` accept until it returns `WOULD_BLOCK`.
 *
 * With `{ address: true }` it returns `{ fd, address }` (or `WOULD_BLOCK`), the peer's address
 * written by the same `accept4` call, as Python's `accept()` returns `(conn, address)`: unlike a
 * later {@link remoteAddress}, it cannot fail with `ENOTCONN` when the peer has already reset.
 *
 * @param fd A listening socket.
 */
export function accept(fd: Fd): number
/**
 * Accepts one pending connection with the peer's address from the same `accept4`: `{ fd, address }`,
 * or `WOULD_BLOCK` when none is pending.
 *
 * @param fd A listening socket.
 * @param options `address: true` returns `{ fd, address }`.
 */
export function accept(fd: Fd, options: AcceptOptions & { address: true }): Accepted | typeof WOULD_BLOCK
/**
 * Accepts one pending connection: its fd (or, with `{ address: true }`, `{ fd, address }`), or
 * `WOULD_BLOCK` when none is pending.
 *
 * @param fd A listening socket.
 * @param options `address: true` returns `{ fd, address }`.
 */
export function accept(fd: Fd, options?: AcceptOptions): number | Accepted
export function accept(fd: Fd, options?: AcceptOptions): number | Accepted {
  if (options === undefined) return nativeAccept(fdOf(fd))
  const checked = fdOf(fd)
  const opts = validateOptions<AcceptOptions>(options)
  if (validateOptionalBoolean(opts.address, 'options.address') !== true) return nativeAccept(checked)
  return acceptWithAddress(checked)
}

/** `accept4` of a checked fd with the peer's address: `{ fd, address }` or `WOULD_BLOCK`. */
export function acceptWithAddress(fd: number): Accepted | typeof WOULD_BLOCK {
  const conn = nativeAcceptFrom(fd, peerName, peerLength)
  if (conn === WOULD_BLOCK) return WOULD_BLOCK
  return { fd: conn, address: decodeAddress(peerName, 0, peerLength[0]) }
}

/**
 * Two connected unix sockets (`socketpair(2)`) of `type` `'stream'` (the default), `'dgram'` or
 * `'seqpacket'` (messages with boundaries over a connection): what one end writes, the other reads.
 *
 * @param type `'stream'` (default), `'dgram'` or `'seqpacket'`.
 */
export function socketpair(type: 'stream' | 'dgram' | 'seqpacket' = 'stream'): [number, number] {
  return requireNative().socketpair(validateNamedNumber(type, 'type', PAIR_TYPES))
}

/**
 * The address a socket is bound to (`getsockname`), of any family: a {@link SocketAddress} for
 * IPv4, IPv6 and unix sockets (e.g. the port that `listenTcp(0)` picked), the raw
 * `struct sockaddr` bytes for others. Typed as `SocketAddress` unless asked:
 * `localAddress<Uint8Array>(netlinkFd)`.
 *
 * @param fd A socket.
 */
export function localAddress<A extends SocketAddress | Uint8Array = SocketAddress>(fd: Fd): A {
  const raw = requireNative().localAddress(validateFd(fd))
  return decodeAddress(raw, 0, raw.byteLength) as A
}

/**
 * The address of a connected socket's peer (`getpeername`), of any family, as {@link localAddress};
 * `ENOTCONN` when none.
 *
 * @param fd A connected socket.
 */
export function remoteAddress<A extends SocketAddress | Uint8Array = SocketAddress>(fd: Fd): A {
  const raw = requireNative().remoteAddress(validateFd(fd))
  return decodeAddress(raw, 0, raw.byteLength) as A
}

/**
 * The pending socket error (`SO_ERROR`) as a positive errno, 0 if none; reading it clears it. After
 * a non-blocking connect becomes writable, a non-zero value is why it failed. Compare with
 * `os.constants.errno.ECONNREFUSED`; `util.getSystemErrorName(-err)` names it.
 *
 * @param fd A socket.
 */
export function socketError(fd: Fd): number {
  return requireNative().socketError(validateFd(fd))
}

/**
 * Closes one or both directions of a connection without closing the fd. `'write'` sends FIN: the
 * peer reads EOF (and sees `EPOLLRDHUP`) while this side can still read.
 *
 * @param fd A connected socket.
 * @param how `'read'`, `'write'` (the peer reads EOF) or `'both'`.
 */
export function shutdown(fd: Fd, how: 'read' | 'write' | 'both'): void {
  const checked = validateFd(fd)
  requireNative().shutdown(checked, validateOneOf(how, 'how', SHUTDOWN_HOW))
}

/**
 * `TCP_NODELAY`: send small writes at once instead of coalescing them (Nagle). Default `true`, like Node's.
 *
 * @param fd A TCP socket.
 * @param enable Whether to send small writes at once (default `true`).
 */
export function setNoDelay(fd: Fd, enable = true): void {
  const checked = validateFd(fd)
  requireNative().setNoDelay(checked, validateBoolean(enable, 'enable'))
}
