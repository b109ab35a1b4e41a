/**
 * inotify: file-system events on a readable fd, with the kernel's exact event kinds: `IN_CLOSE_WRITE`
 * (a written file is complete), renames paired by `cookie`, which `fs.watch` does not give. Register
 * the fd with an `Epoll` for `EPOLLIN` and read with {@link readInotifyEvents}.
 */
import { invalidArgValue } from '../internal/errors'
import { requireNative } from '../internal/native'
import { type Fd, validateCString, validateEvents, validateFd, validateInteger } from '../internal/validators'
import { IN_ALL_EVENTS, inotifyConstants } from './constants'

/** One inotify event. */
export interface InotifyEvent {
  /** The watch it belongs to, as {@link addWatch} returned it (`-1` for `IN_Q_OVERFLOW`). */
  wd: number
  /** `IN_*` bits: the event kind, plus `IN_ISDIR` when the subject is a folder. */
  mask: number
  /** The same non-zero number on an `IN_MOVED_FROM` and its `IN_MOVED_TO`; 0 otherwise. */
  cookie: number
  /** The entry's name inside a watched folder; `''` for the watched path itself. Decoded as UTF-8. */
  name: string
}

/** A new inotify instance (`inotify_init1`), non-blocking and close-on-exec. Yours to close. */
export function inotify(): number {
  return requireNative().inotify()
}

/**
 * Watches `path` for the `IN_*` events in `mask` (`inotify_add_watch`); returns the watch descriptor.
 * Watching a path again returns the same descriptor and replaces its mask (unless `IN_MASK_ADD`).
 *
 * @param fd An inotify fd.
 * @param path The file or folder to watch.
 * @param mask The `IN_*` events to report, combined with `|`.
 */
export function addWatch(fd: Fd, path: string, mask: number): number {
  const target = validateFd(fd)
  const p = validateCString(path, 'path')
  const m = validateEvents(mask, 'mask')
  if ((m & IN_ALL_EVENTS) === 0) throw invalidArgValue('mask', 'must contain at least one IN_* event', mask)
  return requireNative().addWatch(target, p, m)
}

/**
 * Stops a watch (`inotify_rm_watch`); an `IN_IGNORED` event for it follows.
 *
 * @param fd An inotify fd.
 * @param wd The watch descriptor `addWatch` returned.
 */
export function removeWatch(fd: Fd, wd: number): void {
  const target = validateFd(fd)
  requireNative().removeWatch(target, validateInteger(wd, 'wd', 1, 0x7fffffff))
}

/**
 * Reads every event queued now, in order; `null` when none is (the fd is non-blocking).
 *
 * @param fd An inotify fd.
 */
export function readInotifyEvents(fd: Fd): InotifyEvent[] | null {
  return requireNative().readInotifyEvents(validateFd(fd))
}

/** Every single-bit `IN_*` flag by name, in bit order (the combinations `IN_CLOSE`, `IN_MOVE`, `IN_ALL_EVENTS` are left out: they name no bit of their own). */
const INOTIFY_BITS = (Object.entries(inotifyConstants) as [string, number][])
  .filter(([, bit]) => bit !== 0 && (bit & (bit - 1)) === 0)
  .sort(([, a], [, b]) => (a >>> 0) - (b >>> 0))
const KNOWN_INOTIFY_BITS = INOTIFY_BITS.reduce((all, [, bit]) => (all | bit) >>> 0, 0)

/**
 * The names of the bits set in an inotify mask, in bit order, for logs, as `describeEvents` names an
 * epoll mask: `describeInotify(IN_CREATE | IN_ISDIR)` is `['IN_CREATE', 'IN_ISDIR']`. Unknown bits
 * appear as one hex string.
 *
 * @param mask An inotify mask (`InotifyEvent.mask`, or `IN_*` bits).
 */
export function describeInotify(mask: number): string[] {
  const bits = validateEvents(mask, 'mask')
  const names: string[] = []
  for (const [name, bit] of INOTIFY_BITS) if ((bits & bit) >>> 0 !== 0) names.push(name)
  const unknown = (bits & ~KNOWN_INOTIFY_BITS) >>> 0
  if (unknown !== 0) names.push(`0x${unknown.toString(16)}`)
  return names
}
