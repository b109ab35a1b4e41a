/**
 * Boundary fuzzing: every exported function and `Epoll` member, and the native binding under them,
 * called with arbitrary values (see helpers/fuzz/hostile.ts). No call may crash the process; every refusal
 * is a coded TypeError/RangeError, a coded package error, a system error (`code`, negative `errno`,
 * `syscall`) or the caller's own exception passed through; a refused call changes nothing (the
 * instance's size, has(), the kernel's registrations, the process's open fds). read/write/readv/writev
 * move exactly the bytes of the range asked for. Each group runs in a child process, so that a crash
 * fails its test instead of killing ava.
 */
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import { scaled } from '../helpers/emulation.js'

const CHILD = join(__dirname, '..', 'helpers', 'fuzz', 'fuzz-child.ts')
/** Calls per property; FUZZ_RUNS raises it for a long local search. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 400)

function fuzz(group: string) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD, group, String(RUNS)], {
    cwd: join(__dirname, '..', '..'),
    encoding: 'utf8',
    timeout: scaled(90_000),
  })
  return { ...child, summary: child.status === 0 ? JSON.parse(child.stdout.trim().split('\n').pop()!) : undefined }
}

for (const [group, what] of [
  ['epoll', 'new Epoll, Epoll.fromFd, every method and getter (also on foreign receivers) and describeEvents'],
  ['wait', 'wait(), the async iterator and handlers'],
  ['io', 'every server I/O function'],
  ['native', 'the native binding called directly, also with a foreign this'],
  ['bounds', 'read/write/readv/writev on every kind of view, with offsets and lengths around the edges'],
] as const) {
  test(`fuzzing ${what}: no crash, only coded refusals that change nothing`, (t) => {
    const { status, signal, stderr, summary } = fuzz(group)
    t.is(signal, null, `the child died of ${signal}:\n${stderr}`)
    t.is(status, 0, stderr)
    t.true(summary.calls >= RUNS, 'every run made its call')
    t.true(summary.rejected > 0 && summary.accepted > 0, 'both refused and accepted calls were made')
    t.log(`${summary.calls} calls: ${summary.accepted} accepted, ${summary.rejected} refused`)
  })
}
