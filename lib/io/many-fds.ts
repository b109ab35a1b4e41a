/**
 * Batch I/O: many fds per call into the binding. A call from JavaScript into native code costs about
 * as much as the `read(2)` or `write(2)` it makes (see "Performance" in the README); these functions
 * pay it once per batch instead of once per fd, and make exactly the system calls a loop of
 * {@link read} / {@link write} calls would make.
 *
 * - {@link writeMany}: one buffer to many fds (fan-out: chat rooms, pub/sub, game state).
 * - {@link pollRead}: `epoll_wait`, then every ready fd read into its own slot of a caller-owned
 *   buffer, in the same call.
 * - {@link writeSlots}: every slot of such a buffer written to its own fd (echo, proxies, replies
 *   built in place).
 *
 * Every fd gets its own outcome in a caller-owned `Int32Array`: one failing fd never stops the
 * others, so failures are numbers, the negative errno as libuv reports them (`-32` is `EPIPE`;
 * `os.constants.errno` names them). Nothing is allocated per call.
 */
import { type Epoll, nativeOf, validateEpoll } from '../epoll/epoll'
import { invalidArgType, outOfRange } from '../internal/errors'
import { hotCall } from '../internal/native'
import { validateApart, validateByteLength, validateInteger, validateTimeout, validateTypedArray, validateView } from '../internal/validators'
import { byteLengthOf, elementCountOf } from '../internal/views'

/** What {@link pollRead} puts in `lengths[i]` for an fd it did not read: no input event, skipped, or would block. */
export const NOT_READ = -1 as const

const nativeWriteMany = hotCall('writeMany')
const nativePollRead = hotCall('pollRead')
const nativeWriteSlots = hotCall('writeSlots')

// ---------------------------------------------------------------------------------------------
// argument checks (Node's messages; the binding checks only what memory safety needs)

function validateSlotSize(value: unknown, slabBytes: number): number {
  if (typeof value !== 'number') throw invalidArgType('slotSize', 'of type number', value)
  if (!Number.isInteger(value) || value < 1 || value > slabBytes) {
    throw outOfRange('slotSize', `an integer >= 1 and <= ${slabBytes} (the bytes of slab)`, value)
  }
  return value
}

/**
 * An array a call writes into must not share memory with any other array of the call (the binding
 * refuses that too: it would be two views of the same bytes, one of them being written).
 */
// ---------------------------------------------------------------------------------------------
// the calls

/**
 * Writes the same bytes (`buffer`, or `length` bytes of it from `offset`) to `fds[0]` …
 * `fds[count - 1]`, in order, with one call into the binding. `results[i]` is what `fds[i]` took:
 * the bytes written (fewer than asked when its socket buffer filled up: keep the rest for
 * `EPOLLOUT`), `0` when it was full, or the negative errno of its failure (`-32` `EPIPE`,
 * `-104` `ECONNRESET`: hang that one up). Returns how many fds took all the bytes, so that
 * `writeMany(...) === count` means there is nothing left to do.
 *
 * ```ts
 * const members = new Int32Array(1024)   // the room's fds, kept by the server
 * const results = new Int32Array(1024)
 * if (writeMany(members, size, results, message) !== size) {
 *   for (let i = 0; i < size; i++) if (results[i] !== message.length) backlogOrHangUp(members[i], results[i])
 * }
 * ```
 *
 * @param fds The fds to write to.
 * @param count How many of `fds` to write to.
 * @param results Receives, per fd, the bytes written, `0` when full, or `-errno`.
 * @param buffer The bytes to send to every fd.
 * @param offset Where in `buffer` to start, in bytes (default 0).
 * @param length How many bytes to send (default: the rest of `buffer`).
 */
export function writeMany(fds: Int32Array, count: number, results: Int32Array, buffer: ArrayBufferView, offset = 0, length?: number): number {
  validateTypedArray(fds, 'fds', Int32Array)
  validateTypedArray(results, 'results', Int32Array)
  const n = validateInteger(count, 'count', 0, Math.min(elementCountOf(fds), elementCountOf(results)))
  validateView(buffer, 'buffer')
  const size = validateByteLength(buffer, 'buffer')
  const start = validateInteger(offset, 'offset', 0, size)
  const bytes = length === undefined ? size - start : validateInteger(length, 'length', 0, size - start)
  validateApart([results], ['results'], [fds, buffer], ['fds', 'buffer'])
  return nativeWriteMany(fds, n, results, buffer, start, bytes)
}

/**
 * `epoll_wait` on `ep`, then a read of every ready fd into its own slot of `slab`, in one call into
 * the binding: what `pollInto` and a {@link read} per event do, with one crossing instead of
 * `1 + events`. Event `i` is `events[2i]` (the fd) and `events[2i + 1]` (its events), as
 * `pollInto` writes them; its bytes are `slab[i * slotSize …]`, and `lengths[i]` says how many: the
 * bytes read (`> 0`), `0` at end of file, {@link NOT_READ} (`-1`) when there was nothing to read
 * (no input event, the fd is in `skip`, or the read would block), or the negative errno of the
 * failure (`-104` `ECONNRESET`). Returns the number of events (0 on timeout).
 *
 * Fds whose events hold `EPOLLIN`, `EPOLLRDHUP`, `EPOLLHUP` or `EPOLLERR` are read, unless
 * `skip[fd]` is non-zero: mark there the fds that must not be read (a listening socket, an eventfd
 * that other loops must see too). One batch takes at most `min(events.length / 2, lengths.length,
 * slab.byteLength / slotSize)` events; `timeout` is as for `pollInto`.
 *
 * ```ts
 * const events = new Uint32Array(2 * 256), lengths = new Int32Array(256)
 * const slab = Buffer.allocUnsafe(256 * 16384)
 * const skip = new Uint8Array(65536); skip[listener] = 1
 * const n = pollRead(ep, events, lengths, slab, 16384, -1, skip)
 * ```
 *
 * @param ep The instance to wait on.
 * @param events Receives `[fd, events]` pairs, as `pollInto` writes them.
 * @param lengths Receives, per event, the bytes read, `0` at EOF, `NOT_READ` or `-errno`.
 * @param slab Holds one slot of `slotSize` bytes per event.
 * @param slotSize The size of each slot in bytes.
 * @param timeout How long to block, in ms, as for `pollInto` (default: until an event).
 * @param skip By fd: non-zero for the fds not to read (listeners, shared eventfds).
 */
export function pollRead(
  ep: Epoll,
  events: Uint32Array,
  lengths: Int32Array,
  slab: ArrayBufferView,
  slotSize: number,
  timeout?: number,
  skip?: Uint8Array,
): number {
  validateEpoll(ep, 'ep')
  validateTypedArray(events, 'events', Uint32Array)
  validateTypedArray(lengths, 'lengths', Int32Array)
  validateView(slab, 'slab')
  const slot = validateSlotSize(slotSize, validateByteLength(slab, 'slab'))
  if (elementCountOf(events) < 2 || elementCountOf(lengths) < 1) {
    throw outOfRange('events.length', '>= 2 with lengths.length >= 1 (room for one event)', elementCountOf(events))
  }
  const ms = validateTimeout(timeout)
  if (skip !== undefined) validateTypedArray(skip, 'skip', Uint8Array)
  validateApart([events, lengths, slab], ['events', 'lengths', 'slab'], skip === undefined ? [] : [skip], ['skip'])
  return nativePollRead(nativeOf(ep), events, lengths, slab, slot, ms, skip)
}

/**
 * Writes slot `i` of `slab` (its first `lengths[i]` bytes, from `slab[i * slotSize]`) to the fd of
 * pair `i` of `pairs` (`pairs[2i]`), for `i` from 0 to `count - 1`, in one call into the binding.
 * Slots whose length is not positive are left alone, so the `events` and `lengths` that
 * {@link pollRead} filled can be passed straight back to echo what it read. `results[i]` is as in
 * {@link writeMany} (`0` also for a slot with nothing to write). Returns how many slots were
 * written completely.
 *
 * @param pairs `[fd, events]` pairs, as `pollRead` wrote them: pair `i` names slot `i`'s fd.
 * @param count How many slots to write.
 * @param lengths How many bytes of each slot to write; slots with none are left alone.
 * @param slab Holds the slots.
 * @param slotSize The size of each slot in bytes.
 * @param results Receives, per slot, the bytes written, `0` when full, or `-errno`.
 */
export function writeSlots(
  pairs: Uint32Array,
  count: number,
  lengths: Int32Array,
  slab: ArrayBufferView,
  slotSize: number,
  results: Int32Array,
): number {
  validateTypedArray(pairs, 'pairs', Uint32Array)
  validateTypedArray(lengths, 'lengths', Int32Array)
  validateView(slab, 'slab')
  validateTypedArray(results, 'results', Int32Array)
  const slot = validateSlotSize(slotSize, validateByteLength(slab, 'slab'))
  const max = Math.min(elementCountOf(pairs) >> 1, elementCountOf(lengths), elementCountOf(results), Math.floor(byteLengthOf(slab) / slot))
  const n = validateInteger(count, 'count', 0, max)
  validateApart([results], ['results'], [pairs, lengths, slab], ['pairs', 'lengths', 'slab'])
  return nativeWriteSlots(pairs, n, lengths, slab, slot, results)
}
