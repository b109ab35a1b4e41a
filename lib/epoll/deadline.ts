/**
 * Timeouts of `wait()`, `readable()` and `writable()` that never fire early, keep sub-millisecond
 * precision, and share one Node timer per `Epoll` however many are pending.
 *
 * Node's timers count from the loop's cached clock, so a `setTimeout(fn, 5)` can run up to about a
 * millisecond before 5 ms have really passed, and they round every delay to whole milliseconds. A
 * deadline here is a point on the monotonic clock (`performance.now()`): the one timer brings the
 * earliest close, and the last fraction of a millisecond is waited out in `setImmediate` turns (each
 * of which still lets the loop poll for I/O), so a callback runs once its time has passed, never
 * before. A callback never runs from {@link Deadlines.add}, even when the clock has already passed
 * the deadline (a preempted or emulated thread): the caller finishes setting up its wait before any
 * callback can settle it.
 *
 * The pending deadlines are a binary min-heap ordered by time, then by arrival. Adding is O(1) when
 * deadlines arrive in time order (many waits with the same timeout: the new entry is already in
 * place) and O(log n) otherwise; cancelling and firing are O(log n). Only the earliest is armed, so
 * 30,000 pending timeouts cost one Node timer, not 30,000.
 *
 * A timeout of 0 means "what is ready now": it fires two check phases later, with a poll phase
 * between them in which whatever is ready is dispatched first.
 */

/** `setTimeout`'s largest delay (2**31 - 1 ms); longer deadlines re-arm. Not the timerfd limit of `MAX_TIMER_MS`. */
const MAX_SET_TIMEOUT_MS = 0x7fffffff

/** A pending deadline; `cancel()` is idempotent and does nothing once it fired. */
export interface Deadline {
  cancel(): void
}

class Entry implements Deadline {
  /** Position in the heap; -1 when not in it (fired, cancelled, or a timeout of 0). */
  index = -1
  /** The two check-phase hops of a timeout of 0. */
  immediate: NodeJS.Immediate | null = null

  constructor(
    readonly owner: Deadlines,
    readonly at: number,
    readonly order: number,
    readonly fire: () => void,
  ) {}

  cancel(): void {
    this.owner.remove(this)
  }
}

/** The deadlines of one instance: one armed timer (or immediate) for the earliest of them. */
export class Deadlines {
  readonly #heap: Entry[] = []
  /** Pending timeouts of 0 (their own two immediates each): kept for `setRef`. */
  readonly #zeros = new Set<Entry>()
  #arrivals = 0
  #refed: boolean
  #timer: NodeJS.Timeout | null = null
  #immediate: NodeJS.Immediate | null = null
  /** When the armed timer fires (ms on the monotonic clock); Infinity when none is armed. */
  #armedFor = Infinity

  constructor(refed: boolean) {
    this.#refed = refed
  }

  /** Runs `fire` once, `ms` milliseconds (fractions allowed; 0: after one poll phase) from now, unless cancelled. */
  add(ms: number, fire: () => void): Deadline {
    const entry = new Entry(this, performance.now() + ms, this.#arrivals++, fire)
    if (ms > 0) {
      this.#push(entry)
      if (entry.index === 0) this.#arm()
      return entry
    }
    this.#zeros.add(entry)
    entry.immediate = setImmediate(() => {
      entry.immediate = setImmediate(() => {
        entry.immediate = null
        this.#zeros.delete(entry)
        entry.fire()
      })
      if (!this.#refed) entry.immediate.unref()
    })
    if (!this.#refed) entry.immediate.unref()
    return entry
  }

  /** How many deadlines are pending. */
  get size(): number {
    return this.#heap.length + this.#zeros.size
  }

  /** Whether pending deadlines keep the process alive. */
  setRef(refed: boolean): void {
    if (this.#refed === refed) return
    this.#refed = refed
    this.#applyRef(this.#timer ?? this.#immediate)
    for (const entry of this.#zeros) this.#applyRef(entry.immediate)
  }

  /** Cancels `entry` if it is still pending. */
  remove(entry: Entry): void {
    if (entry.immediate !== null) {
      clearImmediate(entry.immediate)
      entry.immediate = null
      this.#zeros.delete(entry)
      return
    }
    const at = entry.index
    if (at === -1) return
    entry.index = -1
    const last = this.#heap.pop()!
    if (last !== entry) {
      this.#heap[at] = last
      last.index = at
      this.#siftDown(at)
      this.#siftUp(last.index)
    }
    // Nothing left: the timer must not keep the process alive. A later head is served by the armed
    // timer firing early and re-arming (cheaper than re-arming on every cancel of a settled batch).
    if (this.#heap.length === 0) this.#disarm()
  }

  #applyRef(pending: NodeJS.Timeout | NodeJS.Immediate | null): void {
    if (this.#refed) pending?.ref()
    else pending?.unref()
  }

  /** Arms the one timer for the head, unless it is armed for that time or earlier already. */
  #arm(): void {
    const head = this.#heap[0]
    if (head === undefined) return this.#disarm()
    if (this.#armedFor <= head.at) return
    this.#disarm()
    const left = head.at - performance.now()
    if (left >= 1) {
      this.#timer = setTimeout(this.#expire, Math.min(Math.floor(left), MAX_SET_TIMEOUT_MS))
      this.#armedFor = head.at
    } else {
      this.#immediate = setImmediate(this.#expire)
      this.#armedFor = -Infinity
    }
    if (!this.#refed) this.#applyRef(this.#timer ?? this.#immediate)
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    if (this.#immediate !== null) clearImmediate(this.#immediate)
    this.#timer = null
    this.#immediate = null
    this.#armedFor = Infinity
  }

  /** The timer fired: runs every deadline whose time has passed, then arms for the next one. */
  #expire = (): void => {
    this.#timer = null
    this.#immediate = null
    this.#armedFor = Infinity
    const now = performance.now()
    const heap = this.#heap
    while (heap.length > 0 && heap[0].at <= now) {
      const entry = heap[0]
      this.remove(entry)
      try {
        entry.fire()
      } catch (error) {
        // One failing callback must not strand the others: reported as any callback's error.
        process.nextTick(rethrow, error)
      }
    }
    this.#arm()
  }

  #before(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order)
  }

  #push(entry: Entry): void {
    entry.index = this.#heap.length
    this.#heap.push(entry)
    this.#siftUp(entry.index)
  }

  #siftUp(index: number): void {
    const heap = this.#heap
    const entry = heap[index]
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!this.#before(entry, heap[parent])) break
      heap[index] = heap[parent]
      heap[index].index = index
      index = parent
    }
    heap[index] = entry
    entry.index = index
  }

  #siftDown(index: number): void {
    const heap = this.#heap
    const entry = heap[index]
    for (;;) {
      const left = 2 * index + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && this.#before(heap[right], heap[left]) ? right : left
      if (!this.#before(heap[child], entry)) break
      heap[index] = heap[child]
      heap[index].index = index
      index = child
    }
    heap[index] = entry
    entry.index = index
  }
}

function rethrow(error: unknown): never {
  throw error
}
