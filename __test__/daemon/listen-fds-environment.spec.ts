/**
 * Issue 23, item 1: `listenFds()` reads `LISTEN_FDS`, which a daemon does not control. A count as large
 * as an int allows once aborted the process (a 64 GiB `Vec::with_capacity`); it must be answered as
 * `sd_listen_fds` answers it: an error at the first fd that is not open. Run in a child process, so
 * that an abort fails this test instead of killing ava.
 */
import test from 'ava'

import { runNode } from '../helpers/child.js'

/** Runs `listenFds()` in a fresh process whose LISTEN_PID is its own pid and LISTEN_FDS is `count`. */
function listenFdsInChild(count: string) {
  const { status, signal, stdout, stderr } = runNode(`
process.env.LISTEN_PID = String(process.pid)
process.env.LISTEN_FDS = ${JSON.stringify(count)}
let outcome
try {
  outcome = { fds: epoll.listenFds() }
} catch (error) {
  outcome = { code: error.code, errno: error.errno, syscall: error.syscall, message: error.message }
}
outcome.unset = process.env.LISTEN_FDS === undefined
console.log(JSON.stringify(outcome))
`)
  return { status, signal, stderr, outcome: status === 0 ? JSON.parse(stdout.trim()) : undefined }
}

test('LISTEN_FDS=2147483644 (the largest count sd_listen_fds allows) is EBADF at the first fd that is not open, not an abort', (t) => {
  const { status, signal, stderr, outcome } = listenFdsInChild('2147483644')
  t.is(signal, null, `the child died of ${signal}: ${stderr}`)
  t.is(status, 0, stderr)
  t.like(outcome, { code: 'EBADF', errno: -9, syscall: 'fcntl', unset: true })
  t.regex(outcome.message, /LISTEN_FDS fd \d+/, 'the message names the fd that was not open')
})

test('LISTEN_FDS one past what an fd number allows is EINVAL, as in sd_listen_fds', (t) => {
  const { status, signal, stderr, outcome } = listenFdsInChild('2147483645')
  t.is(signal, null, stderr)
  t.is(status, 0, stderr)
  t.like(outcome, { code: 'EINVAL', syscall: 'sd_listen_fds', unset: true })
})
