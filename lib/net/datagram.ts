/**
 * Datagrams one at a time, with their sender: UDP, unix datagram and seqpacket sockets, ICMP, and
 * every other message socket. Many datagrams per system call are in `./message-batch`.
 */
import { hotCall, requireNative } from '../internal/native'
import { type Fd, validateByteRange, validateFd, validateIpLiteral, validateOptionalBoolean, validateOptions, validatePort, validateView } from '../internal/validators'
import { type Address, decodeAddress, encodeIp, SOCKADDR_STORAGE_SIZE, type SocketAddress } from './address'
import { MSG_TRUNC } from './constants'
import { decodeIpv4Fast, encodeIpv4Fast } from './sender-memo'
import { DEFAULT_HOST, destination } from './socket'

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

const nativeSendTo = hotCall('sendTo')
const nativeRecvFrom = hotCall('recvFrom')

/** Where {@link recvFrom} has the kernel write the sender (any family fits) and `[flags, name length]`. */
const senderName = new Uint8Array(SOCKADDR_STORAGE_SIZE)
const senderMeta = new Int32Array(2)

/**
 * A UDP socket bound to `host:port` (`host` an IP literal, default `'127.0.0.1'`; `'::'` or
 * `'0.0.0.0'` for every interface; port 0 picks one: read it with `localAddress`).
 *
 * ```ts
 * const fd = listenUdp(5353, '0.0.0.0', { reusePort: true })
 * ```
 *
 * @param port The port (0: the kernel picks one, read it with `localAddress`).
 * @param host An IP literal (default `'127.0.0.1'`; `'::'` or `'0.0.0.0'` for every interface).
 * @param options `reusePort` (`SO_REUSEPORT`) and `ipv6Only` (`IPV6_V6ONLY`).
 */
export function listenUdp(port: number, host: string = DEFAULT_HOST, options?: UdpOptions): number {
  const p = validatePort(port)
  const h = validateIpLiteral(host, 'host')
  const opts = validateOptions<UdpOptions>(options)
  const reusePort = validateOptionalBoolean(opts.reusePort, 'options.reusePort') ?? false
  const ipv6Only = validateOptionalBoolean(opts.ipv6Only, 'options.ipv6Only')
  return requireNative().listenUdp(encodeIp(h, p), reusePort, ipv6Only === undefined ? -1 : Number(ipv6Only))
}

/**
 * Sends one datagram (`sendto(2)`): `buffer` (or `length` bytes of it from `offset`) to `address`,
 * or to the connected peer when `address` is omitted. Returns the bytes sent (all of them, for a
 * datagram), or `WOULD_BLOCK` (-1) when the send buffer is full. A 0-byte datagram is valid.
 * Throws `EMSGSIZE` (larger than the protocol allows), `ECONNREFUSED` (a connected UDP socket whose
 * peer sent an ICMP port unreachable), ... A destination port 0 on TCP/UDP is `ERR_SOCKET_BAD_PORT`.
 *
 * @param fd A datagram socket.
 * @param buffer The datagram's bytes (0 bytes is a valid datagram).
 * @param address Where to send it (an `Address`); omitted or `undefined`: the connected peer.
 * @param offset Where in `buffer` the datagram starts, in bytes (default 0).
 * @param length The datagram's size in bytes (default: the rest of `buffer`).
 */
export function sendTo(fd: Fd, buffer: ArrayBufferView, address?: Address, offset = 0, length?: number): number {
  const checked = validateFd(fd)
  validateView(buffer, 'buffer')
  const n = validateByteRange(buffer, offset, length, 0)
  // An IPv4 sender recvFrom decoded (the echo pattern) is encoded without parsing its text.
  const to = address === undefined ? null : (encodeIpv4Fast(address) ?? destination(checked, address, 'sendto'))
  return nativeSendTo(checked, buffer, offset, n, to)
}

/**
 * Receives one datagram (or message) into `buffer` (`offset`/`length` in bytes, default the whole
 * view): `{ bytes, address, truncated }`, or `null` when nothing is queued. A 0-byte datagram is
 * `bytes: 0`, never end of file; a datagram larger than the buffer fills it and is `truncated`.
 *
 * @param fd A datagram socket.
 * @param buffer Receives the datagram (a larger one is cut and reported `truncated`).
 * @param offset Where in `buffer` to start, in bytes (default 0).
 * @param length The most bytes to take (default: the rest of `buffer`).
 */
export function recvFrom(fd: Fd, buffer: ArrayBufferView, offset = 0, length?: number): Datagram | null {
  const checked = validateFd(fd)
  validateView(buffer, 'buffer')
  const n = validateByteRange(buffer, offset, length, 0)
  const bytes = nativeRecvFrom(checked, buffer, offset, n, senderName, senderMeta)
  if (bytes === -1) return null
  const nameLength = senderMeta[1]
  const address = decodeIpv4Fast(senderName, nameLength) ?? decodeAddress(senderName, 0, nameLength)
  return { bytes, address, truncated: (senderMeta[0] & MSG_TRUNC) !== 0 }
}
