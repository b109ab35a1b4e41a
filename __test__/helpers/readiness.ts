/**
 * Driving our fds from a test whose peers are `node:net` sockets in the same process: `node:net`
 * only makes progress when the event loop turns, so nothing here blocks. Every wait is a poll with
 * timeout 0 followed by `await setImmediate()`, until a deadline.
 */
import { readFileSync } from 'node:fs'
import { setImmediate as turn } from 'node:timers/promises'

import { Epoll, WOULD_BLOCK, close, read } from '../../index.js'

const DEADLINE_MS = 5_000

/** Polls `ep` without blocking until `fd` reports one of `mask`; returns its events. */
export async function readiness(ep: Epoll, fd: number, mask: number): Promise<number> {
  const start = Date.now()
  for (;;) {
    for (const [ready, events] of ep.poll(0)) if (ready === fd && events & mask) return events
    if (Date.now() - start > DEADLINE_MS) throw new Error(`fd ${fd} did not report 0x${mask.toString(16)} within ${DEADLINE_MS} ms`)
    await turn()
  }
}

/** Calls `op` (an accept/read/write returning WOULD_BLOCK when not ready) until it does something. */
export async function eventually(op: () => number): Promise<number> {
  const start = Date.now()
  for (;;) {
    const result = op()
    if (result !== WOULD_BLOCK) return result
    if (Date.now() - start > DEADLINE_MS) throw new Error(`still WOULD_BLOCK after ${DEADLINE_MS} ms`)
    await turn()
  }
}

/** Reads from `fd` until `bytes` bytes arrived (or EOF); returns them. */
export async function readExactly(fd: number, bytes: number): Promise<Buffer> {
  const out = Buffer.alloc(bytes)
  let got = 0
  while (got < bytes) {
    const n = await eventually(() => read(fd, out, got))
    if (n === 0) break
    got += n
  }
  return out.subarray(0, got)
}

/** The `flags:` line of /proc/self/fdinfo: O_NONBLOCK and O_CLOEXEC as the kernel records them. */
export function fdFlags(fd: number): { nonBlocking: boolean; closeOnExec: boolean } {
  const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
  const flags = Number.parseInt(/^flags:\s+([0-7]+)$/m.exec(info)![1], 8)
  return { nonBlocking: (flags & 0o4000) !== 0, closeOnExec: (flags & 0o2000000) !== 0 }
}

/** Closes fds at the end of a test, ignoring ones the test closed itself. */
export function closeAll(...fds: number[]): void {
  for (const fd of fds) {
    try {
      close(fd)
    } catch {
      // already closed by the test
    }
  }
}
