import test from 'ava'

import { AbortError, Epoll, EPOLLET, EPOLLIN, EPOLLOUT } from '../../index.js'
import { openPipe, settle } from '../helpers/package-pipe.js'

test('wait resolves with the ready fds that have no handler', async (t) => {
  using ep = new Epoll()
  using pipe = openPipe()
  ep.register(pipe.readFd, EPOLLIN)
  setTimeout(() => pipe.send(), 5)
  t.deepEqual(await ep.wait(), [[pipe.readFd, EPOLLIN]])
})

test('wait resolves [] when the timeout passes, no earlier', async (t) => {
  using ep = new Epoll()
  const start = performance.now()
  t.deepEqual(await ep.wait({ timeout: 30 }), [])
  t.true(performance.now() - start >= 29, 'timers may fire up to 1 ms early by rounding, never more')
  t.deepEqual(await ep.wait({ timeout: 0 }), [])
})

test('wait with timeout 0 still returns what is ready right now', async (t) => {
  using ep = new Epoll()
  using pipe = openPipe()
  ep.register(pipe.readFd, EPOLLIN)
  pipe.send()
  t.deepEqual(await ep.wait({ timeout: 0 }), [[pipe.readFd, EPOLLIN]])
})

test('an aborted signal rejects with an AbortError, also when aborted before the call', async (t) => {
  using ep = new Epoll()
  const controller = new AbortController()
  const pending = ep.wait({ signal: controller.signal })
  controller.abort(new Error('stop'))
  const error = await t.throwsAsync(pending, { instanceOf: AbortError, name: 'AbortError', code: 'ABORT_ERR' })
  t.is((error!.cause as Error).message, 'stop')
  await t.throwsAsync(ep.wait({ signal: AbortSignal.abort() }), { name: 'AbortError' })
  t.deepEqual(await ep.wait({ timeout: 0 }), [], 'the instance still works')
})

test('closing the instance rejects pending waits with ERR_EPOLL_CLOSED; waits after close reject too', async (t) => {
  const ep = new Epoll()
  const first = ep.wait()
  const second = ep.wait({ timeout: 10_000 })
  ep.close()
  await t.throwsAsync(first, { code: 'ERR_EPOLL_CLOSED' })
  await t.throwsAsync(second, { code: 'ERR_EPOLL_CLOSED' })
  await t.throwsAsync(ep.wait(), { code: 'ERR_EPOLL_CLOSED' })
})

test('concurrent waits are served in order', async (t) => {
  using ep = new Epoll()
  using a = openPipe()
  using b = openPipe()
  ep.register(a.readFd, EPOLLIN | EPOLLET).register(b.readFd, EPOLLIN | EPOLLET)
  const order: string[] = []
  const first = ep.wait().then((events) => order.push(`first ${events[0][0] === a.readFd ? 'a' : 'b'}`))
  const second = ep.wait().then((events) => order.push(`second ${events[0][0] === a.readFd ? 'a' : 'b'}`))
  a.send()
  await settle()
  b.send()
  await Promise.all([first, second])
  t.deepEqual(order, ['first a', 'second b'])
})

test('an edge-triggered event that arrives while nobody waits is kept for the next wait', async (t) => {
  using ep = new Epoll()
  using pipe = openPipe()
  using other = openPipe()
  ep.register(pipe.readFd, EPOLLIN | EPOLLET)
  // A handler elsewhere keeps the instance watching, so the event is taken from the kernel now.
  ep.register(other.writeFd, EPOLLOUT | EPOLLET, () => {})
  pipe.send()
  await settle()
  t.deepEqual(await ep.wait({ timeout: 1000 }), [[pipe.readFd, EPOLLIN]])
  t.deepEqual(await ep.wait({ timeout: 20 }), [], 'no new edge')
})

test('events kept for later are merged per fd', async (t) => {
  using ep = new Epoll()
  using pipe = openPipe()
  ep.register(pipe.writeFd, EPOLLOUT | EPOLLET)
  ep.register(pipe.readFd, EPOLLIN | EPOLLET)
  ep.register(openPipe().writeFd, EPOLLOUT, () => {}) // keeps the instance watching
  pipe.send()
  await settle()
  pipe.send()
  await settle()
  const batch = await ep.wait()
  t.is(batch.length, 2)
  t.deepEqual(batch.find(([fd]) => fd === pipe.readFd), [pipe.readFd, EPOLLIN])
  ep.close()
})

test('maxEvents limits a batch; the rest come with the next wait', async (t) => {
  using ep = new Epoll()
  const pipes = Array.from({ length: 4 }, () => openPipe())
  t.teardown(() => pipes.forEach((p) => p[Symbol.dispose]()))
  for (const p of pipes) {
    ep.register(p.readFd, EPOLLIN | EPOLLET)
    p.send()
  }
  const first = await ep.wait({ maxEvents: 3 })
  t.is(first.length, 3)
  const second = await ep.wait({ timeout: 1000 })
  t.is(second.length, 1)
  t.is(new Set([...first, ...second].map(([fd]) => fd)).size, 4)
})

test('a level-triggered fd taken by wait and not consumed is reported again by the next wait', async (t) => {
  using ep = new Epoll()
  using pipe = openPipe()
  ep.register(pipe.readFd, EPOLLIN)
  pipe.send()
  t.deepEqual(await ep.wait(), [[pipe.readFd, EPOLLIN]])
  t.deepEqual(await ep.wait({ timeout: 1000 }), [[pipe.readFd, EPOLLIN]])
  pipe.drain()
  t.deepEqual(await ep.wait({ timeout: 20 }), [])
})

test('wait options are checked and a bad call rejects without changing anything', async (t) => {
  using ep = new Epoll()
  await t.throwsAsync(ep.wait({ timeout: -5 }), { code: 'ERR_OUT_OF_RANGE' })
  await t.throwsAsync(ep.wait({ timeout: '1' as never }), { code: 'ERR_INVALID_ARG_TYPE' })
  await t.throwsAsync(ep.wait({ maxEvents: 0 }), { code: 'ERR_OUT_OF_RANGE' })
  await t.throwsAsync(ep.wait({ signal: {} as never }), { code: 'ERR_INVALID_ARG_TYPE' })
  await t.throwsAsync(ep.wait(5 as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.is(ep.watcher, 'none', 'nothing started watching')
})

test('the async iterator yields batches and ends when the instance is closed', async (t) => {
  const ep = new Epoll()
  using pipe = openPipe()
  ep.register(pipe.readFd, EPOLLIN | EPOLLET)
  const batches: number[][][] = []
  setTimeout(() => pipe.send('a'), 5)
  for await (const batch of ep) {
    batches.push(batch)
    if (batches.length === 1) setTimeout(() => pipe.send('b'), 5)
    else setTimeout(() => ep.close(), 5)
  }
  t.deepEqual(batches, [[[pipe.readFd, EPOLLIN]], [[pipe.readFd, EPOLLIN]]])
  t.true(ep.closed)
})

test('breaking out of the async iteration leaves the instance usable', async (t) => {
  using ep = new Epoll()
  using pipe = openPipe()
  ep.register(pipe.readFd, EPOLLIN | EPOLLET)
  pipe.send()
  for await (const batch of ep) {
    t.is(batch.length, 1)
    break
  }
  pipe.send()
  t.deepEqual(await ep.wait({ timeout: 1000 }), [[pipe.readFd, EPOLLIN]])
})
