/**
 * What kind of fd `openStream` was given, decided once when the stream opens: whether it reads and
 * writes whole messages (seqpacket, datagram and raw sockets, TUN/TAP) or bytes, which ends it can
 * use (its access mode), whether `end()` can shut its writing half down, and how its end of file
 * shows. Everything comes from the kernel's own description of the fd (`/proc/self/fdinfo`,
 * `stat` of `/proc/self/fd/N`, `SO_TYPE`): path lookups work the same in Node, Bun, Deno and workers.
 */
import { readFileSync, statSync } from 'node:fs'

import { invalidArgValue, systemError } from '../internal/errors'
import { SO_TYPE, SOCK_SEQPACKET, SOCK_STREAM, SOL_SOCKET } from '../net/constants'
import { getSocketOption } from '../net/options'

/** How a stream treats its fd. */
export interface StreamKind {
  /** One read is one message and one write is one message (boundaries kept). */
  readonly messages: boolean
  /** The fd can be read (opened for reading): the stream has a readable side. */
  readonly readable: boolean
  /** The fd can be written: the stream has a writable side. */
  readonly writable: boolean
  /** `end()` shuts the writing half down (`shutdown(SHUT_WR)`): stream and seqpacket sockets. */
  readonly shutdown: boolean
  /** A read shorter than asked means nothing is left now (stream sockets, pipes, FIFOs): no read to see `EAGAIN`. */
  readonly shortReadDrains: boolean
  /** A 0-byte read is a 0-byte message, unless the peer is gone (datagram and seqpacket sockets); elsewhere it is end of file. */
  readonly emptyMessages: boolean
  /** A pty master: `EIO` is how it says that the other side (every slave fd) closed, which is end of file. */
  readonly ptyMaster: boolean
  /** A stream socket read as bytes: the io_uring engine can carry it (`./ring`). */
  readonly streamSocket: boolean
}

const O_ACCMODE = 0o3
const O_WRONLY = 0o1
const O_RDONLY = 0o0
const O_NONBLOCK = 0o4000
/** `/dev/ptmx` is character device 5:2 (`TTYAUX_MAJOR`, minor 2), also as `/dev/pts/ptmx`. */
const PTMX_RDEV = (5 << 8) | 2

/**
 * Describes `fd` for a stream; `messages` overrides the detection. Throws `ERR_INVALID_ARG_VALUE`
 * for a blocking fd (a read would stop the event loop) and `EBADF` (from `/proc`) for a closed one.
 */
export function streamKind(fd: number, messages: boolean | undefined): StreamKind {
  let info: string
  try {
    info = readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1')
  } catch (error) {
    // ENOENT there means the fd is not open: say it as every other call on a closed fd does.
    if ((error as { code?: unknown }).code === 'ENOENT') throw systemError('EBADF', 'openStream', `fd ${fd} is not open`)
    throw error
  }
  const flags = Number.parseInt(/^flags:\s*([0-7]+)/m.exec(info)?.[1] ?? '0', 8)
  if ((flags & O_NONBLOCK) === 0) {
    throw invalidArgValue('fd', 'must be non-blocking (O_NONBLOCK): a read on a blocking fd would stop the event loop', fd)
  }
  const access = flags & O_ACCMODE
  const readable = access !== O_WRONLY
  const writable = access !== O_RDONLY
  const stat = statSync(`/proc/self/fd/${fd}`)
  if (stat.isSocket()) {
    const type = getSocketOption(fd, SOL_SOCKET, SO_TYPE)
    const isMessages = messages ?? type !== SOCK_STREAM
    return {
      messages: isMessages,
      readable,
      writable,
      shutdown: type === SOCK_STREAM || type === SOCK_SEQPACKET,
      shortReadDrains: type === SOCK_STREAM,
      emptyMessages: type !== SOCK_STREAM,
      ptyMaster: false,
      streamSocket: type === SOCK_STREAM && !isMessages,
    }
  }
  // A TUN/TAP fd attached to an interface names it in its fdinfo: one read is one packet (frame).
  const tun = /^iff:/m.test(info)
  return {
    messages: messages ?? tun,
    readable,
    writable,
    shutdown: false,
    shortReadDrains: stat.isFIFO(),
    emptyMessages: false,
    ptyMaster: stat.isCharacterDevice() && stat.rdev === PTMX_RDEV,
    streamSocket: false,
  }
}
