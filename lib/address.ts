/**
 * Raw `struct sockaddr` bytes to and from `SocketAddress`, in JavaScript for IPv4 and unix (the hot
 * path of `recvFrom`, `sendTo` and batches: no native object is made per datagram), through the
 * native binding for IPv6 (whose text form has rules best left to one implementation).
 */
import type { SocketAddress } from './io'
import { requireNative } from './native'
import { AF_INET, AF_UNIX } from './socket-constants'

/** `sa_family_t` is in native byte order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const utf8 = new TextDecoder()

function familyOf(bytes: Uint8Array): number {
  return LITTLE_ENDIAN ? bytes[0] | (bytes[1] << 8) : (bytes[0] << 8) | bytes[1]
}

/**
 * Decodes the first `length` bytes of `bytes` (from `offset`), as the kernel wrote them: IPv4, IPv6
 * and unix addresses as a `SocketAddress` (fewer than 2 bytes: an unnamed unix peer), other
 * families as a copy of the raw bytes.
 */
export function decodeSockaddr(bytes: Uint8Array, offset: number, length: number): SocketAddress | Uint8Array {
  if (length < 2) return { address: '', port: 0, family: 'unix' }
  const view = offset === 0 ? bytes : bytes.subarray(offset, offset + length)
  const family = familyOf(view)
  if (family === AF_INET && length >= 16) {
    return { address: `${view[4]}.${view[5]}.${view[6]}.${view[7]}`, port: (view[2] << 8) | view[3], family: 'IPv4' }
  }
  if (family === AF_UNIX) {
    let end = length
    // A filesystem path ends at its NUL; an abstract name (leading NUL) is counted by length.
    if (view[2] !== 0) for (let i = 2; i < length; i++) if (view[i] === 0) { end = i; break }
    return { address: utf8.decode(view.subarray(2, end)), port: 0, family: 'unix' }
  }
  return requireNative().decodeAddress(view, 0, length) as SocketAddress | Uint8Array
}

/** Scratch for {@link encodeInet4}: the native call copies it before returning. */
const inet4 = new Uint8Array(16)

/** A `sockaddr_in` for an IPv4 literal (already validated) and port, in a shared scratch buffer. */
export function encodeInet4(address: string, port: number): Uint8Array {
  inet4.fill(0)
  inet4[LITTLE_ENDIAN ? 0 : 1] = AF_INET
  inet4[2] = port >>> 8
  inet4[3] = port & 0xff
  let part = 0
  let octet = 0
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i)
    if (c === 46) {
      inet4[4 + part++] = octet
      octet = 0
    } else octet = octet * 10 + (c - 48)
  }
  inet4[4 + part] = octet
  return inet4
}
