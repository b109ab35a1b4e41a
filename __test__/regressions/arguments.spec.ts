/**
 * Arguments the I/O helpers once accepted or refused wrongly (issues 10 and 11): a destination port
 * of 0, unix socket paths with a NUL inside, timers longer than the native side could hold.
 */
import test from 'ava'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { accept, close, connectTcp, connectUnix, listenTcp, listenUnix, localAddress, readCounter, setTimer, timerfd, WOULD_BLOCK } from '../../index.js'
import { MAX_TIMER_MS } from '../../lib/internal/validators.js'
import { closeAll, eventually } from '../helpers/readiness.js'

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'epoll-napi-args-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const openFds = () => readdirSync('/proc/self/fd').length

test('connectTcp(0) is refused with ERR_SOCKET_BAD_PORT, worded as Node words it, before any socket is made', (t) => {
  const before = openFds()
  t.throws(() => connectTcp(0), {
    code: 'ERR_SOCKET_BAD_PORT',
    instanceOf: RangeError,
    message: 'port should be > 0 and < 65536. Received type number (0).',
  })
  for (const port of [-1, 65536, 1.5, Number.NaN]) t.throws(() => connectTcp(port), { code: 'ERR_SOCKET_BAD_PORT' })
  t.throws(() => connectTcp('80' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.is(openFds(), before)
})

test('a destination port of 65535 and listening on port 0 stay allowed', (t) => {
  const listener = listenTcp(0)
  t.teardown(() => closeAll(listener))
  t.true(localAddress(listener).port > 0, 'port 0 still picks a free port')
  const client = connectTcp(65535)
  close(client)
  t.pass()
})

test('a NUL inside a unix socket path is ERR_INVALID_ARG_VALUE: nothing is bound at the path before it', (t) => {
  const dir = tempDir(t)
  const error = t.throws(() => listenUnix(join(dir, 'svc\0evil')), { code: 'ERR_INVALID_ARG_VALUE', instanceOf: TypeError })
  t.regex(error!.message, /^The argument 'path' must not contain null bytes/)
  t.false(existsSync(join(dir, 'svc')), 'the path cut at the NUL was not bound')
  t.throws(() => connectUnix(join(dir, 'svc\0x')), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => listenUnix('\0abstract\0inner'), { code: 'ERR_INVALID_ARG_VALUE' }, 'only the leading NUL is allowed')
})

test('the leading NUL of an abstract socket name still works for listenUnix and connectUnix', async (t) => {
  const name = `\0epoll-napi-args-${process.pid}`
  const listener = listenUnix(name)
  t.teardown(() => closeAll(listener))
  t.is(localAddress(listener).address, name)
  const client = connectUnix(name)
  const server = await eventually(() => accept(listener))
  closeAll(client, server)
})

test('timers accept every duration the kernel holds: Number.MAX_SAFE_INTEGER ms, and just below 2**63 s', (t) => {
  t.is(MAX_TIMER_MS, 2 ** 63 * 1000)
  const fd = timerfd({ initial: Number.MAX_SAFE_INTEGER, interval: Number.MAX_SAFE_INTEGER })
  t.teardown(() => closeAll(fd))
  t.is(readCounter(fd), WOULD_BLOCK, 'armed, far from expiring')
  const largest = MAX_TIMER_MS - 2 ** 20 // the double just below the limit
  t.true(largest < MAX_TIMER_MS)
  setTimer(fd, { initial: largest, interval: largest })
  t.is(readCounter(fd), WOULD_BLOCK)
})

test('the first duration beyond the kernel limit is ERR_OUT_OF_RANGE, and the message says the limit', (t) => {
  const fd = timerfd({ initial: 1000 })
  t.teardown(() => closeAll(fd))
  for (const call of [() => timerfd({ initial: MAX_TIMER_MS }), () => setTimer(fd, { initial: 1, interval: MAX_TIMER_MS })]) {
    const error = t.throws(call, { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError })
    t.regex(error!.message, /< 2\*\*63 \* 1000/)
  }
  t.throws(() => timerfd({ initial: Infinity }), { code: 'ERR_OUT_OF_RANGE' })
})
