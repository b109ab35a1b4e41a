/**
 * Process fds (`pidfd_open`, Linux >= 5.3): an fd that turns readable (`EPOLLIN`) when the process
 * exits, whether or not it is a child of this one, and a signal target that cannot hit a different
 * process that later got the same pid. What supervisors use to watch processes they did not spawn.
 */
import { constants } from 'node:os'

import { invalidArgType, unknownSignal } from '../internal/errors'
import { requireNative } from '../internal/native'
import { type Fd, validateFd, validateInteger } from '../internal/validators'

/** The highest signal number Linux has (`SIGRTMAX`). */
const SIGNAL_MAX = 64

/** A signal by name (`'SIGTERM'`, as `process.kill` takes it) or number (0 to 64). */
function validateSignal(value: unknown): number {
  if (typeof value === 'string') {
    const signals = constants.signals as Record<string, number>
    if (!Object.hasOwn(signals, value)) throw unknownSignal(value)
    return signals[value]
  }
  if (typeof value !== 'number') throw invalidArgType('signal', 'of type number or string', value)
  return validateInteger(value, 'signal', 0, SIGNAL_MAX)
}

/**
 * A pidfd for the process `pid`: close-on-exec, non-blocking (Linux >= 5.10), yours to close. It turns readable when
 * the process exits (a child stays a zombie until reaped, as Node's `child_process` does). `ESRCH`
 * when there is no such process.
 *
 * @param pid The process id.
 */
export function pidfdOpen(pid: number): number {
  return requireNative().pidfdOpen(validateInteger(pid, 'pid', 1, 0x7fffffff))
}

/**
 * Sends `signal` (a name such as `'SIGTERM'`, or a number; 0 only checks the process exists) to the
 * process of a pidfd (`pidfd_send_signal`). `ESRCH` once the process has exited and been reaped.
 * An unknown name is `ERR_UNKNOWN_SIGNAL`, as in `process.kill`.
 *
 * @param fd A pidfd.
 * @param signal A signal name (`'SIGTERM'`) or number (0 checks that the process is alive).
 */
export function pidfdSendSignal(fd: Fd, signal: number | NodeJS.Signals): void {
  const target = validateFd(fd)
  requireNative().pidfdSendSignal(target, validateSignal(signal))
}
