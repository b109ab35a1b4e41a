/**
 * Aborts the way `node:timers/promises` does: an `AbortError` (`name` 'AbortError', `code`
 * 'ABORT_ERR') whose `cause` is the signal's reason.
 */
/**
 * Rejects a `wait()` (or ends a `for await`) whose `AbortSignal` was aborted; `cause` is the signal's
 * `reason`. Shaped like the `AbortError` of Node's own promise APIs, so `error.name === 'AbortError'`
 * checks written for those work here too.
 */
export class AbortError extends Error {
  /** `'ABORT_ERR'`, Node's code for an aborted operation. */
  readonly code = 'ABORT_ERR'
  /**
   * @param message The message; `'The operation was aborted'` by default, as Node's.
   * @param options `cause`: the signal's `reason`.
   */
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AbortError'
  }
}

/** The `AbortError` of a `signal` that aborted, with its reason as `cause`. */
export function abortErrorOf(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason })
}
