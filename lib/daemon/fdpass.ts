/**
 * Passing fds between processes over unix sockets (`SCM_RIGHTS`), and asking who is at the other end
 * (`SO_PEERCRED`): what D-Bus and Wayland clients, and servers that hand connections to worker
 * processes, need. Python has the same as `socket.send_fds` / `socket.recv_fds`.
 */
import { outOfRange } from '../internal/errors'
import { requireNative } from '../internal/native'
import { type Fd, validateArrayOf, validateFd, validateInteger, validateViewLength } from '../internal/validators'

/** The kernel's limit of fds in one message (`SCM_MAX_FD`), and the default `maxFds` of {@link recvFds}. */
export const SCM_MAX_FD = 253

/** What {@link recvFds} received. */
export interface ReceivedFds {
  /** Data bytes written into the buffer; `0` at end of stream. */
  bytes: number
  /** The fds that came with the data: new fds of this process, close-on-exec, yours to close. */
  fds: number[]
  /**
   * The message held more data than `buffer` (`MSG_TRUNC`, as Python's `socket.recv_fds` reports it):
   * on a datagram or seqpacket socket the rest of that message is gone. A stream socket keeps the rest
   * for the next call, and this is always `false` there.
   */
  truncated: boolean
  /**
   * More fds arrived than `maxFds` allowed, or the control message was cut short (`MSG_CTRUNC`): the
   * extra ones were closed, and none of them is open in this process.
   */
  fdsTruncated: boolean
}

/** The process at the other end of a unix socket, as the kernel recorded it when the socket was connected. */
export interface PeerCredentials {
  /** Process id (in this process's pid namespace; 0 if the peer is in none visible here). */
  pid: number
  /** Effective user id. */
  uid: number
  /** Effective group id. */
  gid: number
}

const ONE_BYTE = new Uint8Array(1)

/**
 * Sends `data` with `fds` attached over a unix socket (`sendmsg` with `SCM_RIGHTS`). The receiver gets
 * its own duplicates; the fds stay open here. `data` defaults to one zero byte: a message carries fds
 * only with at least one data byte. Returns the bytes sent, or `-1` when the socket is full (the fds
 * are not sent then). 1 to {@link SCM_MAX_FD} fds; the `fds` may be numbers or objects with an `fd`.
 *
 * @param fd A connected unix socket.
 * @param fds The fds to pass (1 to `SCM_MAX_FD`); they stay open here.
 * @param data The bytes they ride with (default: one 0 byte; at least one byte is needed).
 */
export function sendFds(fd: Fd, fds: readonly Fd[], data?: ArrayBufferView): number {
  const socket = validateFd(fd)
  const numbers = validateArrayOf(fds, 'fds', 1, SCM_MAX_FD, (f, name) => validateFd(f as Fd, name))
  const bytes = data === undefined ? ONE_BYTE : data
  const size = validateViewLength(bytes, 'data')
  if (size < 1) throw outOfRange('data.byteLength', '>= 1 (fds travel with at least one data byte)', size)
  return requireNative().sendFds(socket, numbers, bytes)
}

/**
 * Receives data into `buffer` and up to `maxFds` fds (default {@link SCM_MAX_FD}) from a unix socket
 * (`recvmsg` with `MSG_CMSG_CLOEXEC`). Returns `null` when nothing is waiting, `{ bytes: 0, fds: [],
 * truncated: false, fdsTruncated: false }` at end of stream. Data beyond `buffer` (a datagram or
 * seqpacket message cut short) is reported in `truncated`; fds beyond `maxFds` are closed and reported
 * in `fdsTruncated`.
 *
 * @param fd A unix socket.
 * @param buffer Receives the data bytes that came with the fds.
 * @param maxFds The most fds to accept (default `SCM_MAX_FD`, 253); more are closed and `fdsTruncated`
 *   is `true`.
 */
export function recvFds(fd: Fd, buffer: ArrayBufferView, maxFds: number = SCM_MAX_FD): ReceivedFds | null {
  const socket = validateFd(fd)
  const size = validateViewLength(buffer, 'buffer')
  // Zero bytes read would look like end of stream.
  if (size < 1) throw outOfRange('buffer.byteLength', '>= 1', size)
  const max = validateInteger(maxFds, 'maxFds', 0, SCM_MAX_FD)
  return requireNative().recvFds(socket, buffer, max)
}

/**
 * The pid, uid and gid of the process at the other end of a unix socket (`SO_PEERCRED`).
 *
 * @param fd A connected unix socket (or one of a `socketpair`).
 */
export function peerCredentials(fd: Fd): PeerCredentials {
  return requireNative().peerCredentials(validateFd(fd))
}
