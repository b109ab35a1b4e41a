/**
 * The single-datagram fast path's memory of IPv4 senders: `recvFrom` decodes a sender's
 * `sockaddr_in` into `{ address: '1.2.3.4', port, family: 'IPv4' }`, and the echo pattern sends the
 * reply straight back to that object. Done by the general codec (`./address`) every datagram costs
 * a string built from four numbers on the way in and an IP literal parsed (a regular expression)
 * and encoded on the way out. Here the address text of each IPv4 address seen is kept beside its 32
 * bits, both ways, so that a known sender decodes without building a string and encodes without
 * parsing one. What users see does not change: a fresh plain object per datagram, with the text the
 * codec would write, and a destination object is encoded from what it says now (never from a cache
 * keyed by the object, which its owner may have changed).
 */
import { AF_INET } from './constants'
import type { SocketAddress } from './address'

const SOCKADDR_IN_SIZE = 16
/** Beyond this many distinct addresses the memo starts over (a server facing a scan stays bounded). */
const MEMO_LIMIT = 4096
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

const textByIp = new Map<number, string>()
const ipByText = new Map<string, number>()
/** The raw `sockaddr_in` `encodeFast` fills and returns; the native call copies it before returning. */
const scratch = new Uint8Array(SOCKADDR_IN_SIZE)
scratch[LITTLE_ENDIAN ? 0 : 1] = AF_INET

/**
 * The sender in `name` (`length` bytes from `at`, as the kernel wrote them) when it is IPv4, else
 * `null` (the caller decodes it with the general codec). `datagrams()` decodes a batch's senders
 * here too, from their slots.
 */
export function decodeIpv4Fast(name: Uint8Array, length: number, at = 0): SocketAddress | null {
  if (length < SOCKADDR_IN_SIZE || (LITTLE_ENDIAN ? name[at] | (name[at + 1] << 8) : (name[at] << 8) | name[at + 1]) !== AF_INET) return null
  const ip = ((name[at + 4] << 24) | (name[at + 5] << 16) | (name[at + 6] << 8) | name[at + 7]) >>> 0
  let text = textByIp.get(ip)
  if (text === undefined) {
    if (textByIp.size >= MEMO_LIMIT) {
      textByIp.clear()
      ipByText.clear()
    }
    text = `${name[at + 4]}.${name[at + 5]}.${name[at + 6]}.${name[at + 7]}`
    textByIp.set(ip, text)
    ipByText.set(text, ip)
  }
  return { address: text, port: (name[at + 2] << 8) | name[at + 3], family: 'IPv4' }
}

/**
 * A `sockaddr_in` for `to` when it is an `{ address, port }` object whose address text is an IPv4
 * address seen before and whose port is a valid destination port (1..65535); else `null`, and the
 * caller takes the general path (which validates and reports errors).
 */
export function encodeIpv4Fast(to: unknown): Uint8Array | null {
  if (typeof to !== 'object' || to === null || to instanceof Uint8Array) return null
  const { address, port, family, path } = to as { address?: unknown; port?: unknown; family?: unknown; path?: unknown }
  if (typeof address !== 'string' || path !== undefined || family === 'unix') return null
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return null
  const ip = ipByText.get(address)
  if (ip === undefined) return null
  scratch[2] = port >>> 8
  scratch[3] = port & 0xff
  scratch[4] = ip >>> 24
  scratch[5] = (ip >>> 16) & 0xff
  scratch[6] = (ip >>> 8) & 0xff
  scratch[7] = ip & 0xff
  return scratch
}
