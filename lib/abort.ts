/**
 * Aborts the way `node:timers/promises` does: an `AbortError` (`name` 'AbortError', `code`
 * 'ABORT_ERR') whose `cause` is the signal's reason.
 */
import { invalidArgType } from './errors'

/**
 * Rejects a `wait()` (or ends a `for await`) whose `AbortSignal` was aborted; `cause` is the signal's
 * `reason`. Shaped like the `AbortError` of Node's own promise APIs, so `error.name === 'AbortError'`
 * checks written for those work here too.
 */
export class AbortError extends Error {
  /** `'ABORT_ERR'`, Node's code for an aborted operation. */
  readonly code = 'ABORT_ERR'
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AbortError'
  }
}

/** An optional `AbortSignal` option. */
export function toOptionalSignal(value: unknown, name: string): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (
    value === null ||
    typeof value !== 'object' ||
    !('aborted' in value) ||
    typeof (value as AbortSignal).addEventListener !== 'function' ||
    // Without it a settled wait could not let go of its listener (and used to never settle).
    typeof (value as AbortSignal).removeEventListener !== 'function'
  ) {
    throw invalidArgType(name, 'an instance of AbortSignal', value)
  }
  return value as AbortSignal
}

export function abortErrorOf(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason })
}
