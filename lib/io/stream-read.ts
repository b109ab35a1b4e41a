/**
 * One read turn of a stream: everything the fd has now (up to a budget) read into a shared pool in
 * one crossing into the binding, and the reason the turn stopped. Chunks handed to consumers are
 * views of the pool, never copies; the pool only grows forward (a region once handed out is never
 * written again), and a full pool is left to the garbage collector with the chunks that still use it.
 */
import { hotCall } from '../internal/native'
import { IOV_MAX, WOULD_BLOCK } from './fd'

// The stream checked its fd and owns its views: the binding's calls are made without the public checks.
const nativeReadBurst = hotCall('readBurst')
const nativeReadMessages = hotCall('readMessages')
const nativeWrite = hotCall('write')
const nativeWritev = hotCall('writev')

// The `STOP_*` values are the core's `Stop` (crates/epoll-core/src/fd/burst.rs).
/** Why a read turn stopped: nothing more to read now; the read is to be waited for. */
export const STOP_WOULD_BLOCK = 0
/** The budget is used up and the fd may have more: the next turn reads on (after other callbacks ran). */
export const STOP_BUDGET = 1
/** End of file (the peer closed or shut down its writing half). */
export const STOP_EOF = 2
/** A read failed after others succeeded: the next turn's read reports the error. */
export const STOP_ERROR_NEXT = 3

/** Bytes of one pool: chunks are views of it; an fd whose `readSize` is larger gets a pool of its own size. */
const POOL_SIZE = 1 << 20

let pool = Buffer.allocUnsafeSlow(0)
let used = 0

/** Room for at least `size` bytes at `poolOffset()` of the returned pool. */
export function poolWithRoom(size: number): Buffer {
  if (pool.length - used < size) {
    pool = Buffer.allocUnsafeSlow(Math.max(POOL_SIZE, size))
    used = 0
  }
  return pool
}

/** Where the next read of the pool goes. */
export function poolOffset(): number {
  return used
}

/** `bytes` bytes at `poolOffset()` now belong to chunks: they are never written again. */
export function poolTake(bytes: number): void {
  used += bytes
}

/**
 * Reads `fd` into `buffer[offset, offset + length)` until it would block, ends, fails, or fewer than
 * `minRead` bytes of room are left (a device such as evdev, inotify or eventfd refuses a read too
 * small for its next record), in one crossing into the binding. With `shortDrains`, a read that
 * returns less than it asked means the fd is empty (stream sockets, pipes). Returns the bytes read
 * and sets `state[0]` to the `STOP_*` reason; a failure with nothing read yet throws it.
 */
export function readBurst(fd: number, buffer: Buffer, offset: number, length: number, minRead: number, shortDrains: boolean, state: Int32Array): number {
  return nativeReadBurst(fd, buffer, offset, length, minRead, shortDrains ? 1 : 0, state)
}

/**
 * Reads whole messages from `fd` in one crossing, each right after the previous one in `buffer` from
 * `offset`, each given `slotSize` bytes of room (a longer one is cut, as `read(2)` cuts it): at most
 * `lengths.length` of them, while `slotSize` bytes of the `length` are left. `lengths[i]` is the
 * size of message `i`. A 0-byte read is a 0-byte message when `emptyMessages` (datagram and
 * seqpacket sockets) unless the peer is gone (a seqpacket peer's shutdown: end of file). Returns how
 * many messages were read and sets `state[0]` as {@link readBurst} does.
 */
export function readMessages(fd: number, buffer: Buffer, offset: number, length: number, slotSize: number, lengths: Int32Array, emptyMessages: boolean, state: Int32Array): number {
  return nativeReadMessages(fd, buffer, offset, length, slotSize, lengths, emptyMessages ? 1 : 0, state)
}

/** Writes one view (one message, on a message fd) without waiting: the bytes the kernel took, or {@link WOULD_BLOCK}. */
export function writeOne(fd: number, view: Uint8Array): number {
  return nativeWrite(fd, view, 0, view.byteLength)
}

/**
 * Writes `views` from `views[index]` on, in order, without waiting: as a byte stream (`writev` of up
 * to {@link IOV_MAX} views per system call; a view written in part is replaced by its rest) or one
 * message per view. Returns the index of the first view not (fully) written: `views.length` when
 * everything left.
 */
export function writeViews(fd: number, views: Uint8Array[], index: number, messages: boolean): number {
  if (messages) {
    while (index < views.length) {
      if (nativeWrite(fd, views[index], 0, views[index].byteLength) === WOULD_BLOCK) return index
      index++
    }
    return index
  }
  while (index < views.length) {
    const end = Math.min(views.length, index + IOV_MAX)
    // One view takes the hand-made `write`, cheaper to reach than the generated `writev`.
    const n =
      end - index === 1
        ? nativeWrite(fd, views[index], 0, views[index].byteLength)
        : nativeWritev(fd, index === 0 && end === views.length ? views : views.slice(index, end))
    if (n === WOULD_BLOCK) return index
    let left = n
    while (index < end && left >= views[index].byteLength) left -= views[index++].byteLength
    // The kernel took less than it was given: it is full until EPOLLOUT says otherwise.
    if (index < end) {
      views[index] = views[index].subarray(left)
      return index
    }
  }
  return index
}
