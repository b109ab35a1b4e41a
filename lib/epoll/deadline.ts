/**
 * Timeouts of `wait()` that never fire early and keep sub-millisecond precision.
 *
 * Node's timers count from the loop's cached clock, so a `setTimeout(fn, 5)` can run up to about a
 * millisecond before 5 ms have really passed, and they round every delay to whole milliseconds. A
 * deadline here is a point on the monotonic clock (`performance.now()`): a timer brings it close,
 * and the last fraction of a millisecond is waited out in `setImmediate` turns (each of which still
 * lets the loop poll for I/O), so the callback runs once the time has passed, never before. It never
 * runs from the constructor, even when the clock has already passed the deadline (a preempted or
 * emulated thread): the caller finishes setting up its wait before any callback can settle it.
 *
 * A timeout of 0 means "what is ready now": it fires two check phases later, with a poll phase
 * between them in which whatever is ready is dispatched first.
 */

/** `setTimeout`'s largest delay (2**31 - 1 ms); longer deadlines re-arm. Not the timerfd limit of `MAX_TIMER_MS`. */
const MAX_SET_TIMEOUT_MS = 0x7fffffff

/** Runs `fire` once, `ms` milliseconds (fractions allowed; 0: after one poll phase) from now, unless cancelled. */
export class Deadline {
  readonly #at: number
  readonly #fire: () => void
  #timer: NodeJS.Timeout | null = null
  #immediate: NodeJS.Immediate | null = null
  #refed: boolean

  constructor(ms: number, fire: () => void, refed: boolean) {
    this.#at = performance.now() + ms
    this.#fire = fire
    this.#refed = refed
    if (ms > 0) {
      this.#arm(ms)
      return
    }
    this.#immediate = setImmediate(() => {
      this.#immediate = setImmediate(fire)
      this.#applyRef()
    })
    this.#applyRef()
  }

  #schedule = (): void => {
    this.#timer = null
    this.#immediate = null
    const left = this.#at - performance.now()
    if (left <= 0) return this.#fire()
    this.#arm(left)
  }

  /** Checks again in `left` ms, or in the next check phase when less than a millisecond is left. */
  #arm(left: number): void {
    if (left >= 1) this.#timer = setTimeout(this.#schedule, Math.min(Math.floor(left), MAX_SET_TIMEOUT_MS))
    else this.#immediate = setImmediate(this.#schedule)
    if (!this.#refed) this.#applyRef()
  }

  /** Whether the deadline keeps the process alive. */
  setRef(refed: boolean): void {
    this.#refed = refed
    this.#applyRef()
  }

  #applyRef(): void {
    const pending = this.#timer ?? this.#immediate
    if (this.#refed) pending?.ref()
    else pending?.unref()
  }

  cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    if (this.#immediate !== null) clearImmediate(this.#immediate)
    this.#timer = null
    this.#immediate = null
  }
}
