import test from 'ava'
// Regression specs for issue 23, items 2 and 3: state kept for an fd closed without unregister (a
// pending readable()/writable(), its timer, its abort listener, its one-shot registration) reached
// the next fd that got the same number. Serial: each test needs the kernel to hand the closed number
// out again, which a concurrent test opening fds would prevent.

import { close, Epoll, EPOLLIN, EPOLLOUT, pipe, WOULD_BLOCK, write } from '../../index.js'
import { runNode } from '../helpers/child.js'
import { settle } from '../helpers/package-pipe.js'

/** Closes a pipe and opens a new one that gets the same two numbers. */
function reopenPipe(t: { is(a: unknown, b: unknown, message?: string): void }, r: number, w: number): [number, number] {
  close(r)
  close(w)
  const [r2, w2] = pipe()
  t.is(r2, r, 'the new pipe reuses the read end number')
  return [r2, w2]
}

test.serial('item 2: a stale readable() timeout leaves the registration of a new fd with the same number alone', async (t) => {
  using ep = new Epoll()
  const [r, w] = pipe()
  const stale = ep.readable(r, { timeout: 100 })
  const [r2, w2] = reopenPipe(t, r, w)
  t.teardown(() => [r2, w2].forEach((fd) => close(fd)))
  let calls = 0
  ep.register(r2, EPOLLIN, () => {
    calls++
    ep.unregister(r2)
  })
  t.is(await stale, 0, 'the promise of the closed fd resolves 0')
  await settle(150)
  t.true(ep.has(r2), 'the new registration survives the old timeout')
  write(w2, Buffer.from('x'))
  await settle()
  t.is(calls, 1, 'the new handler runs')
})

test.serial('item 2: a stale abort leaves the registration of a new fd with the same number alone', async (t) => {
  using ep = new Epoll()
  const [r, w] = pipe()
  const controller = new AbortController()
  const stale = ep.writable(w, { signal: controller.signal }).catch((error: Error) => error.name)
  const readable = ep.readable(r, { signal: controller.signal }).catch((error: Error) => error.name)
  const [r2, w2] = reopenPipe(t, r, w)
  t.teardown(() => [r2, w2].forEach((fd) => close(fd)))
  let calls = 0
  ep.register(r2, EPOLLIN, () => calls++)
  controller.abort()
  await Promise.all([stale, readable])
  t.true(ep.has(r2), 'the abort of the old promise left the new registration')
  write(w2, Buffer.from('x'))
  await settle()
  t.true(calls > 0, 'the new handler runs')
  ep.unregister(r2)
})

test.serial('item 3: readable() on a reused number fires while a promise of the old fd is pending', async (t) => {
  using ep = new Epoll()
  const [r, w] = pipe()
  const stale = ep.readable(r, { timeout: 5000 })
  const [r2, w2] = reopenPipe(t, r, w)
  t.teardown(() => [r2, w2].forEach((fd) => close(fd)))
  write(w2, Buffer.from('x'))
  t.is(await ep.readable(r2, { timeout: 2000 }), EPOLLIN, 'the new fd is readable')
  t.is(await stale, 0, 'the old promise resolves 0: its registration is gone')
  t.false(ep.has(r2), 'nothing stays registered')
  t.is(ep.size, 0)
})

test.serial('item 3: writable() on a reused number fires, and a later timeout of the old fd changes nothing', async (t) => {
  using ep = new Epoll()
  const [r, w] = pipe()
  const chunk = Buffer.alloc(65536)
  while (write(w, chunk) !== WOULD_BLOCK); // full: not writable
  const stale = ep.writable(w, { timeout: 50 })
  close(w)
  close(r)
  const [r2, w2] = pipe()
  t.teardown(() => [r2, w2].forEach((fd) => close(fd)))
  t.is(w2, w, 'the new pipe reuses the write end number')
  const readable = ep.readable(r2, { timeout: 2000 })
  t.is(await ep.writable(w2, { timeout: 2000 }), EPOLLOUT)
  t.is(await stale, 0)
  await settle(100)
  t.true(ep.has(r2), 'the pending readable() of the new pipe is still registered')
  write(w2, Buffer.from('x'))
  t.is(await readable, EPOLLIN)
  t.is(ep.size, 0)
})

test('items 2 and 3: readable() on a number closed while a promise waits: EBADF, the old promise resolves 0, and nothing keeps the process alive', (t) => {
  const result = runNode(`
    const { Epoll, pipe, close } = epoll
    const ep = new Epoll()
    const [r, w] = pipe()
    const first = ep.readable(r)
    close(r)
    close(w)
    const second = ep.readable(r).then(() => 'resolved', (error) => error.code)
    Promise.all([first, second]).then((outcome) => console.log(JSON.stringify([...outcome, ep.size])))
  `)
  t.is(result.signal, null, `killed: a handler of the closed fd kept the process alive\n${result.stderr}`)
  t.is(result.status, 0, result.stderr)
  t.deepEqual(JSON.parse(result.stdout), [0, 'EBADF', 0])
})
