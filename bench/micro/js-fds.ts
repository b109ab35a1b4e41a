/**
 * Ready fds for the JavaScript micro-benchmarks: eventfds from the package's I/O helpers when it has
 * them (issue 4), otherwise many O_RDWR opens of one FIFO holding one byte (each open is its own
 * open file description, and all of them are readable). The C and Python sides are told which kind
 * was used, so that every contender polls the same kind of fd.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type FdKind = 'eventfd' | 'fifo'

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const pkg = require('../..')

export function fdKind(): FdKind {
  return typeof pkg.eventfd === 'function' ? 'eventfd' : 'fifo'
}

export interface ReadyFds {
  kind: FdKind
  fds: number[]
  close(): void
}

/** `count` fds that are (level-triggered) readable, or idle when `ready` is false (eventfd only). */
export function openFds(count: number, ready = true): ReadyFds {
  const kind = fdKind()
  const fds: number[] = []
  if (kind === 'eventfd') {
    for (let i = 0; i < count; i++) fds.push(pkg.eventfd(ready ? 1 : 0))
    return { kind, fds, close: () => fds.forEach((fd) => pkg.close(fd)) }
  }
  const dir = mkdtempSync(join(tmpdir(), 'epoll-bench-'))
  const path = join(dir, 'fifo')
  execFileSync('mkfifo', [path])
  for (let i = 0; i < count; i++) fds.push(openSync(path, constants.O_RDWR | constants.O_NONBLOCK))
  rmSync(dir, { recursive: true })
  if (ready) writeSync(fds[0], 'x')
  return { kind, fds, close: () => fds.forEach((fd) => closeSync(fd)) }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Whether the event-loop handler API of issue 3 is there (`register(fd, events, handler)`). */
export function hasHandlers(): boolean {
  return typeof pkg.Epoll.prototype.ref === 'function' && typeof pkg.Epoll.prototype.wait === 'function'
}
