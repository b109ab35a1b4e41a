/**
 * The one address codec: every address crosses into the native binding as the raw `struct sockaddr`
 * bytes the kernel uses, and comes back the same way; this file turns them into the objects users
 * see and back, for every family. Decoding allocates only the returned object (no native call per
 * datagram); encoding writes into a scratch buffer the native call copies before it returns.
 */
import { outOfRange, systemError } from '../internal/errors'
import { isUint8Array, validateAddressObject, validateByteLength } from '../internal/validators'
import { byteLengthOf } from '../internal/views'
import { AF_INET, AF_INET6, AF_UNIX } from './constants'

/**
 * One end of a socket, as `localAddress`, `remoteAddress` and `recvFrom` report it. Passed back as
 * it is, it names the same socket: a unix name that is not valid UTF-8 keeps its exact bytes in
 * `path`, which every function taking an address uses instead of the text.
 */
export interface SocketAddress {
  /**
   * An IP address (`'127.0.0.1'`, `'::1'`), or a unix socket's path (`''` if unnamed; an abstract
   * name starts with `'\0'`). A unix name that is not valid UTF-8 is shown here with U+FFFD for the
   * bytes that are not, and kept exactly in `path`.
   */
  address: string
  /** The port; `0` for unix sockets. */
  port: number
  /** The address family, named as `node:net` names it (plus `'unix'` for unix sockets). */
  family: 'IPv4' | 'IPv6' | 'unix'
  /**
   * Only for a unix name that is not valid UTF-8: its bytes as the kernel reported them (an abstract
   * name with its leading 0 byte, a filesystem path without its terminating one).
   */
  path?: Uint8Array
}

/**
 * Where a socket is or sends to: a {@link SocketAddress} as `recvFrom`, `localAddress` and
 * `remoteAddress` return it (pass it back as it is), `{ address, port }` with an IP literal,
 * `{ path }` for a unix socket (a leading `'\0'` names an abstract one), or a `Uint8Array` holding a
 * raw `struct sockaddr` of any family (netlink, packet, CAN, ...), family field first.
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
  /**
   * A filesystem path, or an abstract name starting with `'\0'`; as text (encoded as UTF-8) or as
   * the exact bytes of the name. No NUL after the first character or byte.
   */
  path: string | Uint8Array
}

/** The largest raw `struct sockaddr` (`sockaddr_storage`): every address of every family fits. */
export const SOCKADDR_STORAGE_SIZE = 128

/** `sa_family_t` is in native byte order; ports and IP addresses in network byte order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const SOCKADDR_IN_SIZE = 16
const SOCKADDR_IN6_SIZE = 28
/** `sizeof(sun_path)`: a filesystem path needs room for its terminating NUL, an abstract name does not. */
const SUN_PATH_SIZE = 108
const utf8 = new TextDecoder()
/** Throws on bytes that are not UTF-8: a unix name that is not keeps its bytes (`SocketAddress.path`). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
const utf8Encoder = new TextEncoder()

function familyOf(bytes: Uint8Array): number {
  return LITTLE_ENDIAN ? bytes[0] | (bytes[1] << 8) : (bytes[0] << 8) | bytes[1]
}

function setFamily(into: Uint8Array, family: number): void {
  into[LITTLE_ENDIAN ? 0 : 1] = family
  into[LITTLE_ENDIAN ? 1 : 0] = 0
}

// ---------------------------------------------------------------------------------------------
// decoding

/**
 * Decodes the first `length` bytes of `bytes` (from `offset`), as the kernel wrote them: IPv4, IPv6
 * and unix addresses as a {@link SocketAddress} (fewer than 2 bytes: an unnamed unix peer), other
 * families as a copy of the raw bytes.
 */
export function decodeAddress(bytes: Uint8Array, offset: number, length: number): SocketAddress | Uint8Array {
  if (length < 2) return { address: '', port: 0, family: 'unix' }
  const view = offset === 0 ? bytes : bytes.subarray(offset, offset + length)
  const family = familyOf(view)
  if (family === AF_INET && length >= SOCKADDR_IN_SIZE) {
    return { address: `${view[4]}.${view[5]}.${view[6]}.${view[7]}`, port: (view[2] << 8) | view[3], family: 'IPv4' }
  }
  if (family === AF_INET6 && length >= SOCKADDR_IN6_SIZE) {
    return { address: formatIpv6(view, 8), port: (view[2] << 8) | view[3], family: 'IPv6' }
  }
  if (family === AF_UNIX) return decodeUnix(view, length)
  return view.slice(0, length)
}

/**
 * A unix address: a filesystem path ends at its NUL; an abstract name (leading NUL) is counted by
 * length. Every name decodes to something that, passed back, names the same socket: a name that is not
 * UTF-8 keeps its bytes in `path`, and an abstract name with a NUL after the first byte (which no
 * path argument may hold) stays the raw `struct sockaddr`, as other families do.
 */
function decodeUnix(view: Uint8Array, length: number): SocketAddress | Uint8Array {
  let end = length
  if (view[2] !== 0) {
    for (let i = 2; i < length; i++) {
      if (view[i] === 0) {
        end = i
        break
      }
    }
  } else {
    const inner = view.indexOf(0, 3)
    if (inner !== -1 && inner < length) return view.slice(0, length)
  }
  const name = view.subarray(2, end)
  try {
    return { address: strictUtf8.decode(name), port: 0, family: 'unix' }
  } catch {
    return { address: utf8.decode(name), port: 0, family: 'unix', path: name.slice() }
  }
}

/**
 * The text of the 16 address bytes at `at`, as Node (libuv's `inet_ntop`) writes it: lower-case
 * hex groups, the longest run of two or more zero groups as `::` (the first of equal runs), and the
 * last 32 bits dotted for IPv4-mapped (`::ffff:1.2.3.4`) and IPv4-compatible (`::1.2.3.4`) forms.
 */
function formatIpv6(bytes: Uint8Array, at: number): string {
  const words: number[] = new Array(8)
  for (let i = 0; i < 8; i++) words[i] = (bytes[at + 2 * i] << 8) | bytes[at + 2 * i + 1]
  let bestBase = -1
  let bestLength = 0
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLength) {
      bestBase = i
      bestLength = j - i
    }
    i = j
  }
  if (bestLength < 2) bestBase = -1
  let text = ''
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLength) {
      if (i === bestBase) text += ':'
      continue
    }
    if (i !== 0) text += ':'
    if (i === 6 && bestBase === 0 && (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff))) {
      const v4 = at + 12
      return `${text}${bytes[v4]}.${bytes[v4 + 1]}.${bytes[v4 + 2]}.${bytes[v4 + 3]}`
    }
    text += words[i].toString(16)
  }
  if (bestBase !== -1 && bestBase + bestLength === 8) text += ':'
  return text
}

/** The port of a raw IPv4 or IPv6 address; `-1` for other families. */
export function portOf(raw: Uint8Array): number {
  const size = byteLengthOf(raw)
  const family = size >= 2 ? familyOf(raw) : -1
  if ((family === AF_INET && size >= SOCKADDR_IN_SIZE) || (family === AF_INET6 && size >= SOCKADDR_IN6_SIZE)) {
    return (raw[2] << 8) | raw[3]
  }
  return -1
}

// ---------------------------------------------------------------------------------------------
// encoding

/**
 * Scratch for {@link encodeAddress}: the native call copies the address before it returns, so one
 * buffer serves every call. Fixed-size views of it are made once for the IP families.
 */
const scratch = new Uint8Array(SOCKADDR_STORAGE_SIZE)
const scratchIn = scratch.subarray(0, SOCKADDR_IN_SIZE)
const scratchIn6 = scratch.subarray(0, SOCKADDR_IN6_SIZE)

/**
 * Checks any {@link Address} and returns it as raw `struct sockaddr` bytes for the native call
 * (`syscall` names the call an address that cannot exist is reported for: `ENAMETOOLONG`). The
 * bytes are a shared scratch buffer, valid until the next call, unless `value` is raw bytes already.
 */
export function encodeAddress(value: unknown, syscall: string, name = 'address'): Uint8Array {
  if (isUint8Array(value)) {
    const size = validateByteLength(value, name)
    if (size < 2 || size > SOCKADDR_STORAGE_SIZE) {
      throw outOfRange(`${name}.byteLength`, `>= 2 and <= ${SOCKADDR_STORAGE_SIZE} (a raw struct sockaddr)`, size)
    }
    return value
  }
  const checked = validateAddressObject(value, name)
  if (checked.path !== undefined) return encodeUnixPath(checked.path, syscall)
  return encodeIp(checked.address, checked.port)
}

/** A `sockaddr_in` or `sockaddr_in6` for a validated IP literal (brackets already removed) and port. */
export function encodeIp(address: string, port: number): Uint8Array {
  scratch.fill(0, 0, SOCKADDR_IN6_SIZE)
  scratch[2] = port >>> 8
  scratch[3] = port & 0xff
  if (!address.includes(':')) {
    setFamily(scratch, AF_INET)
    writeIpv4(address, scratch, 4)
    return scratchIn
  }
  setFamily(scratch, AF_INET6)
  const zone = address.indexOf('%')
  if (zone !== -1) {
    // A numeric zone is the interface index (`sin6_scope_id`, host byte order).
    const scope = Number(address.slice(zone + 1))
    new DataView(scratch.buffer, scratch.byteOffset).setUint32(24, scope >>> 0, LITTLE_ENDIAN)
    address = address.slice(0, zone)
  }
  writeIpv6(address, scratch, 8)
  return scratchIn6
}

/** Writes a dotted IPv4 literal (already validated) as 4 bytes at `at`. */
function writeIpv4(address: string, into: Uint8Array, at: number): void {
  let part = 0
  let octet = 0
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i)
    if (c === 46) {
      into[at + part++] = octet
      octet = 0
    } else octet = octet * 10 + (c - 48)
  }
  into[at + part] = octet
}

/** Writes an IPv6 literal (already validated: `::` at most once, an optional dotted IPv4 tail) as 16 bytes at `at`. */
function writeIpv6(address: string, into: Uint8Array, at: number): void {
  const groups = (text: string): number[] => {
    if (text === '') return []
    const out: number[] = []
    for (const part of text.split(':')) {
      if (part.includes('.')) {
        const v4 = new Uint8Array(4)
        writeIpv4(part, v4, 0)
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3])
      } else out.push(parseInt(part, 16))
    }
    return out
  }
  const gap = address.indexOf('::')
  const head = groups(gap === -1 ? address : address.slice(0, gap))
  const tail = gap === -1 ? [] : groups(address.slice(gap + 2))
  const words = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail]
  for (let i = 0; i < 8; i++) {
    into[at + 2 * i] = words[i] >>> 8
    into[at + 2 * i + 1] = words[i] & 0xff
  }
}

/**
 * A `sockaddr_un` for a unix path checked by `validateSocketPath` (text, encoded as UTF-8, or the
 * name's bytes), in the scratch buffer: a filesystem path with its terminating NUL, an abstract name
 * (leading NUL) counted by its length. A name that does not fit `sun_path` is `ENAMETOOLONG`, as
 * the kernel would say.
 */
export function encodeUnixPath(path: string | Uint8Array, syscall: string): Uint8Array {
  const bytes = typeof path === 'string' ? utf8Encoder.encode(path) : path
  const abstractName = bytes[0] === 0
  const size = bytes.length + (abstractName ? 0 : 1)
  if (size > SUN_PATH_SIZE) throw systemError('ENAMETOOLONG', syscall, typeof path === 'string' ? path : utf8.decode(path))
  scratch.fill(0, 0, 2 + SUN_PATH_SIZE)
  setFamily(scratch, AF_UNIX)
  scratch.set(bytes, 2)
  return scratch.subarray(0, 2 + size)
}
