/**
 * systemd integration without libsystemd: socket activation ({@link listenFds}, `sd_listen_fds(3)`)
 * and readiness notification ({@link notify}, `sd_notify(3)`).
 */
import { requireNative } from '../internal/native'
import { validateCString, validateOptionalBoolean, validateOptions } from '../internal/validators'

/** One fd passed by systemd, with the name its socket unit gave it (`FileDescriptorName=`). */
export interface ListenFd {
  /** The fd number (3, 4, ...). */
  fd: number
  /** The name from `LISTEN_FDNAMES`; `'unknown'` where none is given. */
  name: string
}

/** Options of {@link listenFds}. */
export interface ListenFdsOptions {
  /** Return `{ fd, name }` objects instead of numbers (`sd_listen_fds_with_names`). Default `false`. */
  names?: boolean
  /** Unset `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` afterwards, so child processes do not see them. Default `true`. */
  unsetEnvironment?: boolean
  /**
   * Make every fd non-blocking, as every other fd of the package is. Default `true`: systemd passes
   * its sockets blocking (unless the unit says `NonBlocking=yes`), and a blocking `accept` or
   * `recvFrom` would stop the event loop; Node's own `net.Server#listen({ fd })` does the same to the
   * fds it adopts. `false` leaves them exactly as passed (to hand them on to a program that expects
   * them blocking). The flag belongs to the open file, which systemd shares: it does not read from
   * listening sockets it passed, so this changes nothing for it.
   */
  nonBlocking?: boolean
}

const VARIABLES = ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES'] as const

/**
 * The sockets systemd passed to this process (socket activation), as `sd_listen_fds` finds them: only
 * when `LISTEN_PID` is this process's pid (else `[]`: the variables were meant for another process),
 * `LISTEN_FDS` of them from fd 3 on, each made close-on-exec. The variables are then unset (unless
 * `unsetEnvironment: false`), so a second call returns `[]`. Unparsable values throw `EINVAL`
 * (`syscall: 'sd_listen_fds'`); the fds are yours, made non-blocking unless `nonBlocking: false`.
 *
 * @param options `names: true` returns `{ fd, name }` pairs from `LISTEN_FDNAMES`; `unsetEnvironment`
 *   (default `true`) unsets the variables; `nonBlocking` (default `true`) makes the fds non-blocking.
 */
export function listenFds(options: ListenFdsOptions & { names: true }): ListenFd[]
export function listenFds(options?: ListenFdsOptions): number[]
export function listenFds(options?: ListenFdsOptions): number[] | ListenFd[] {
  const opts = validateOptions<ListenFdsOptions>(options)
  const names = validateOptionalBoolean(opts.names, 'options.names') ?? false
  const unset = validateOptionalBoolean(opts.unsetEnvironment, 'options.unsetEnvironment') ?? true
  const nonBlocking = validateOptionalBoolean(opts.nonBlocking, 'options.nonBlocking') ?? true
  const [pid, count, fdNames] = VARIABLES.map((name) => process.env[name])
  try {
    const native = requireNative()
    const fds = native.listenFds(pid, count, fdNames)
    if (nonBlocking) for (const entry of fds) native.setBlocking(entry.fd, false)
    return names ? fds : fds.map((entry) => entry.fd)
  } finally {
    // sd_listen_fds unsets them whatever happened, so that children never inherit them.
    if (unset) for (const name of VARIABLES) delete process.env[name]
  }
}

/**
 * Tells the service manager about the service's state (`sd_notify`): sends `state` (`'READY=1'`,
 * `'STATUS=Serving'`, `'WATCHDOG=1'`, `'STOPPING=1'`, several newline-separated at once) as one
 * datagram to `$NOTIFY_SOCKET` (a path, or an abstract name starting with `@`). Returns `false` when
 * `$NOTIFY_SOCKET` is not set (not run by systemd, or no `Type=notify`), `true` once sent.
 *
 * @param state The message: `'READY=1'`, `'STATUS=...'`, `'WATCHDOG=1'`, ... (lines separated by `\n`).
 */
export function notify(state: string): boolean {
  const message = validateCString(state, 'state')
  const socket = process.env.NOTIFY_SOCKET
  if (socket === undefined || socket === '') return false
  requireNative().notify(socket, message)
  return true
}
