import test from 'ava'

import { close, Epoll, EPOLLIN, EPOLLOUT, socketpair } from '../../index.js'
import { openPipe, sleep } from '../helpers/package-pipe.js'

test('readable() resolves with the events once data arrives, and the fd is unregistered afterwards', async (t) => {
  using ep = new Epoll()
  using p = openPipe()
  const ready = ep.readable(p.readFd)
  t.true(ep.has(p.readFd), 'registered while pending')
  setTimeout(() => p.send(), 10)
  t.is(await ready, EPOLLIN)
  t.false(ep.has(p.readFd))
  t.is(ep.size, 0)
})

test('writable() resolves at once for a pipe with room', async (t) => {
  using ep = new Epoll()
  using p = openPipe()
  t.is(await ep.writable(p.writeFd), EPOLLOUT)
})

test('several promises on one fd share one registration and resolve on the same readiness', async (t) => {
  using ep = new Epoll()
  using p = openPipe()
  const all = Promise.all([ep.readable(p.readFd), ep.readable(p.readFd), ep.readable(p.readFd)])
  t.is(ep.size, 1)
  p.send()
  t.deepEqual(await all, [EPOLLIN, EPOLLIN, EPOLLIN])
  t.false(ep.has(p.readFd))
})

test('readable and writable on one socket: each resolves on its own readiness', async (t) => {
  using ep = new Epoll()
  const [a, b] = socketpair()
  t.teardown(() => [a, b].forEach((fd) => close(fd)))
  const readable = ep.readable(a)
  t.is(await ep.writable(a), EPOLLOUT)
  t.true(ep.has(a), 'still registered for the pending readable()')
  require('../../index.js').write(b, Buffer.from('x'))
  t.is((await readable) & EPOLLIN, EPOLLIN)
  t.false(ep.has(a))
})

test('a timeout resolves 0, never before its time, and keeps fractions of a millisecond', async (t) => {
  using ep = new Epoll()
  using p = openPipe()
  for (const timeout of [0, 0.1, 3.1]) {
    const started = performance.now()
    t.is(await ep.readable(p.readFd, { timeout }), 0)
    const took = performance.now() - started
    t.true(took >= timeout, `readable({ timeout: ${timeout} }) took ${took.toFixed(3)} ms`)
    t.log(`timeout ${timeout} ms: resolved after ${took.toFixed(3)} ms`)
  }
  t.false(ep.has(p.readFd))
})

test('abort rejects with an AbortError and close with ERR_EPOLL_CLOSED; nothing stays registered', async (t) => {
  const ep = new Epoll()
  using p = openPipe()
  const controller = new AbortController()
  const aborted = ep.readable(p.readFd, { signal: controller.signal })
  controller.abort(new Error('stop'))
  await t.throwsAsync(aborted, { name: 'AbortError', code: 'ABORT_ERR' })
  t.false(ep.has(p.readFd))
  await t.throwsAsync(ep.readable(p.readFd, { signal: AbortSignal.abort() }), { name: 'AbortError' })
  const closing = ep.writable(p.readFd)
  ep.close()
  await t.throwsAsync(closing, { code: 'ERR_EPOLL_CLOSED' })
  await t.throwsAsync(ep.readable(p.readFd), { code: 'ERR_EPOLL_CLOSED' })
})

test('an fd registered through register() is refused with EEXIST, and register() of a pending one too', async (t) => {
  using ep = new Epoll()
  using p = openPipe()
  using q = openPipe()
  ep.register(p.readFd, EPOLLIN)
  await t.throwsAsync(ep.readable(p.readFd), { code: 'EEXIST' })
  const pending = ep.readable(q.readFd, { timeout: 50 })
  t.throws(() => ep.register(q.readFd, EPOLLIN), { code: 'EEXIST' })
  t.is(await pending, 0)
})

test('unregister() of an fd with pending promises resolves them 0', async (t) => {
  using ep = new Epoll()
  using p = openPipe()
  const pending = ep.readable(p.readFd)
  await sleep(5)
  ep.unregister(p.readFd)
  t.is(await pending, 0)
})

test('bad arguments reject with coded errors and register nothing', async (t) => {
  using ep = new Epoll()
  await t.throwsAsync(ep.readable(-1), { code: 'ERR_OUT_OF_RANGE' })
  await t.throwsAsync(ep.readable('3' as unknown as number), { code: 'ERR_INVALID_ARG_TYPE' })
  await t.throwsAsync(ep.writable(0, { timeout: -5 }), { code: 'ERR_OUT_OF_RANGE' })
  await t.throwsAsync(ep.writable(0, { signal: {} as AbortSignal }), { code: 'ERR_INVALID_ARG_TYPE' })
  await t.throwsAsync(ep.readable(1_000_000), { code: 'EBADF' })
  t.is(ep.size, 0)
})
