/**
 * A small reference model of Linux epoll, written from the kernel's `fs/eventpoll.c`, `fs/pipe.c` and
 * `fs/eventfd.c`, and of the package's own bookkeeping (`size`/`has`). The property tests run random
 * operations against the real package and this model side by side and compare every result.
 *
 * What the model keeps, per epoll instance:
 * - the kernel's registrations ("items"), keyed by the open file (not by fd number: closing the last fd
 *   of a file removes its items, whatever the package remembers);
 * - whether each item is on the kernel's ready list (`pending`): put there by a wake-up of the file
 *   whose key intersects the item's mask, or by EPOLL_CTL_ADD/MOD when the file is ready then;
 *   level-triggered items go back on the list after they are reported, edge-triggered ones do not, and
 *   one-shot items are disarmed (mask reduced to the private bits) until EPOLL_CTL_MOD;
 * - the package's map of fd -> mask, which only `register`/`modify`/`unregister` change (an fd closed
 *   without `unregister` stays in it until a call on that number fails with ENOENT or EBADF).
 */
import {
  EPOLLERR,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLHUP,
  EPOLLIN,
  EPOLLONESHOT,
  EPOLLOUT,
  EPOLLRDNORM,
  EPOLLWAKEUP,
  EPOLLWRNORM,
} from '../../../index.js'

/** Bits the kernel keeps when it disarms a one-shot item (`EP_PRIVATE_BITS`). */
export const PRIVATE_BITS = (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE) >>> 0
/** The only bits EPOLLEXCLUSIVE may be combined with (`EPOLLEXCLUSIVE_OK_BITS`). */
export const EXCLUSIVE_OK_BITS = (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE) >>> 0
/** Bytes the model lets a pipe hold: below the 64 KiB default capacity, so a write end is always writable. */
export const PIPE_LIMIT = 60_000
/** An eventfd counter stays far below 2**64 - 2 in these tests, so an eventfd is always writable. */

export type FileKind = 'pipe-read' | 'pipe-write' | 'eventfd' | 'regular' | 'epoll'

/** Who made a file: Node's `fs` (a FIFO opened twice) or this package (`pipe()`, `eventfd()`). */
export type Origin = 'node' | 'package'

export class ModelPipe {
  buffered = 0
  readonly reader: ModelFile
  readonly writer: ModelFile
  constructor(
    readFd: number,
    writeFd: number,
    readonly origin: Origin,
  ) {
    this.reader = new ModelFile('pipe-read', readFd, this)
    this.writer = new ModelFile('pipe-write', writeFd, this)
  }
}

/** An open file description with exactly one fd (the tests never duplicate fds inside the process). */
export class ModelFile {
  open = true
  /** Eventfd counter; 0 for everything else. */
  count = 0
  /** Eventfd in `EFD_SEMAPHORE` mode: a read takes 1, not all. */
  semaphore = false
  constructor(
    readonly kind: FileKind,
    readonly fd: number,
    readonly pipe?: ModelPipe,
  ) {}

  /** What the file's `poll` method reports now. */
  readiness(): number {
    switch (this.kind) {
      case 'pipe-read':
        return (this.pipe!.buffered > 0 ? EPOLLIN | EPOLLRDNORM : 0) | (this.pipe!.writer.open ? 0 : EPOLLHUP)
      case 'pipe-write':
        return EPOLLOUT | EPOLLWRNORM | (this.pipe!.reader.open ? 0 : EPOLLERR)
      case 'eventfd':
        return (this.count > 0 ? EPOLLIN : 0) | EPOLLOUT
      case 'regular':
      case 'epoll':
        return 0
    }
  }
}

export interface Item {
  readonly file: ModelFile
  /** The mask as the kernel stores it: the caller's, plus EPOLLERR | EPOLLHUP; private bits only once a one-shot fired. */
  events: number
  pending: boolean
}

/** An expected outcome: `undefined` for success, or the error `code`. */
export type Outcome = string | undefined

export class ModelEpoll {
  closed = false
  readonly items = new Map<ModelFile, Item>()
  /** The package's view: fd -> the mask last given to register/modify. */
  readonly bookkeeping = new Map<number, number>()
  /** The instance's own fd, as a file: registering it in itself is EINVAL. */
  readonly self: ModelFile
  constructor(readonly fd: number) {
    this.self = new ModelFile('epoll', fd)
  }

  close(): void {
    this.closed = true
    this.items.clear()
    this.bookkeeping.clear()
  }

  /** `register` / `modify` / `unregister` of `fd` (open as `file`, or `undefined` when not open). */
  ctl(op: 'add' | 'mod' | 'del', fd: number, file: ModelFile | undefined, events: number): Outcome {
    if (this.closed) return 'ERR_EPOLL_CLOSED'
    const outcome = this.kernelCtl(op, fd, file, events >>> 0)
    // The package forgets an fd after a delete, and after any call the kernel answers ENOENT or EBADF.
    if (outcome === undefined && op !== 'del') this.bookkeeping.set(fd, events >>> 0)
    else if ((outcome === undefined && op === 'del') || outcome === 'ENOENT' || outcome === 'EBADF') this.bookkeeping.delete(fd)
    return outcome
  }

  private kernelCtl(op: 'add' | 'mod' | 'del', fd: number, file: ModelFile | undefined, events: number): Outcome {
    if (file === undefined) return 'EBADF'
    if (file.kind === 'regular') return 'EPERM'
    if (file === this.self) return 'EINVAL'
    if (op !== 'del' && events & EPOLLEXCLUSIVE) {
      if (op === 'mod') return 'EINVAL'
      if (events & ~EXCLUSIVE_OK_BITS) return 'EINVAL'
    }
    const item = this.items.get(file)
    switch (op) {
      case 'add': {
        if (item) return 'EEXIST'
        const added: Item = { file, events: (events | EPOLLERR | EPOLLHUP) >>> 0, pending: false }
        this.items.set(file, added)
        if (file.readiness() & added.events) added.pending = true
        return undefined
      }
      case 'mod':
        if (!item) return 'ENOENT'
        if (item.events & EPOLLEXCLUSIVE) return 'EINVAL'
        item.events = (events | EPOLLERR | EPOLLHUP) >>> 0
        if (file.readiness() & item.events) item.pending = true
        return undefined
      case 'del':
        if (!item) return 'ENOENT'
        this.items.delete(file)
        return undefined
    }
  }

  /** A wake-up on `file`'s wait queue with `key` (0: no key, wakes every item). */
  wake(file: ModelFile, key: number): void {
    const item = this.items.get(file)
    if (!item) return
    if ((item.events & ~PRIVATE_BITS) === 0) return // a fired one-shot: disarmed
    if (key !== 0 && (key & item.events) === 0) return
    item.pending = true
  }

  /** The file's last fd was closed: the kernel drops its items (`eventpoll_release`). */
  release(file: ModelFile): void {
    this.items.delete(file)
  }

  /** The events a non-blocking `epoll_wait` may report: fd -> events, one per ready item on the list. */
  candidates(): Map<number, { item: Item; events: number }> {
    const ready = new Map<number, { item: Item; events: number }>()
    for (const item of this.items.values()) {
      if (!item.pending) continue
      const events = (item.file.readiness() & item.events) >>> 0
      if (events !== 0) ready.set(item.file.fd, { item, events })
    }
    return ready
  }

  /** Applies one `epoll_wait` that reported `reportedFds` out of `candidates()`. */
  harvest(reportedFds: number[], truncated: boolean): void {
    const reported = new Set(reportedFds)
    for (const item of this.items.values()) {
      if (!item.pending) continue
      if (reported.has(item.file.fd)) {
        if (item.events & EPOLLONESHOT) {
          item.events = (item.events & PRIVATE_BITS) >>> 0
          item.pending = false
        } else if (item.events & EPOLLET) {
          item.pending = false
        }
        // Level-triggered: back on the ready list, to be polled again next time.
      } else if (!truncated) {
        // Polled and found not ready (an item with events would have been reported): off the list.
        item.pending = false
      }
    }
  }
}
