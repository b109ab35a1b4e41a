import test from 'ava'

import { Epoll, EPOLLET, EPOLLIN, EPOLLONESHOT, EPOLLOUT } from '../../index.js'
import { runNode } from '../helpers/child.js'
import { openPipe, settle, tick } from '../helpers/package-pipe.js'

test('a handler runs on the event loop with (events, fd) while timers keep firing', async (t) => {
  using ep = new Epoll()
  using pipe = openPipe()
  const seen: [number, number][] = []
  let ticks = 0
  const timer = setInterval(() => {
    ticks++
    pipe.send()
  }, 1)
  await new Promise<void>((resolve) => {
    ep.register(pipe.readFd, EPOLLIN, (events, fd) => {
      pipe.drain()
      seen.push([events, fd])
      if (seen.length === 10) resolve()
    })
  })
  clearInterval(timer)
  t.true(ticks >= 10)
  t.deepEqual(seen[0], [EPOLLIN, pipe.readFd])
  t.is(ep.watcher, 'libuv')
})

test('many ready fds are delivered in one batch to their own handlers', async (t) => {
  using ep = new Epoll()
  const pipes = Array.from({ length: 50 }, () => openPipe())
  t.teardown(() => pipes.forEach((p) => p[Symbol.dispose]()))
  const hits = new Map<number, number>()
  for (const p of pipes) {
    ep.register(p.readFd, EPOLLIN | EPOLLET, (_events, fd) => hits.set(fd, (hits.get(fd) ?? 0) + 1))
    p.send()
  }
  await settle(20)
  t.is(hits.size, 50)
  t.true([...hits.values()].every((n) => n === 1), 'edge-triggered: once each')
})

test('modify with a handler replaces it; without one keeps the current handler', async (t) => {
  using ep = new Epoll()
  using pipe = openPipe()
  const calls: string[] = []
  ep.register(pipe.writeFd, EPOLLOUT | EPOLLONESHOT, () => calls.push('first'))
  await settle(10)
  ep.modify(pipe.writeFd, EPOLLOUT | EPOLLONESHOT)
  await settle(10)
  ep.modify(pipe.writeFd, EPOLLOUT | EPOLLONESHOT, () => calls.push('second'))
  await settle(10)
  t.deepEqual(calls, ['first', 'first', 'second'])
})

test('an event for an fd unregistered earlier in the same batch is not delivered', async (t) => {
  using ep = new Epoll()
  using a = openPipe()
  using b = openPipe()
  const delivered: number[] = []
  const handler = (_events: number, fd: number) => {
    delivered.push(fd)
    ep.unregister(fd === a.readFd ? b.readFd : a.readFd)
  }
  ep.register(a.readFd, EPOLLIN, handler).register(b.readFd, EPOLLIN, handler)
  a.send()
  b.send()
  await settle(20)
  t.is(delivered.length, 1, `delivered to ${delivered}`)
})

test('an fd unregistered and registered again inside the batch does not get the old event', async (t) => {
  using ep = new Epoll()
  using a = openPipe()
  using b = openPipe()
  const delivered: string[] = []
  ep.register(a.readFd, EPOLLIN, () => {
    delivered.push('a')
    ep.unregister(b.readFd)
    ep.register(b.readFd, EPOLLOUT, () => delivered.push('new b'))
  })
  ep.register(b.readFd, EPOLLIN, () => delivered.push('old b'))
  a.send()
  b.send()
  await settle(20)
  t.false(delivered.includes('old b') && delivered.indexOf('old b') > delivered.indexOf('a'))
  t.false(delivered.slice(0, 2).includes('new b') && delivered[0] === 'a' && delivered[1] === 'new b')
})

test('a handler may close the instance: the rest of the batch is dropped, nothing throws', async (t) => {
  const ep = new Epoll()
  const pipes = Array.from({ length: 5 }, () => openPipe())
  t.teardown(() => pipes.forEach((p) => p[Symbol.dispose]()))
  let calls = 0
  for (const p of pipes) {
    ep.register(p.readFd, EPOLLIN, () => {
      calls++
      ep.close()
    })
    p.send()
  }
  await settle(20)
  t.is(calls, 1)
  t.true(ep.closed)
})

test('a handler may register new fds, whose events then arrive', async (t) => {
  using ep = new Epoll()
  using a = openPipe()
  using b = openPipe()
  const order: string[] = []
  await new Promise<void>((resolve) => {
    ep.register(a.readFd, EPOLLIN | EPOLLET, () => {
      order.push('a')
      ep.register(b.writeFd, EPOLLOUT | EPOLLET, () => {
        order.push('b')
        resolve()
      })
    })
    a.send()
  })
  t.deepEqual(order, ['a', 'b'])
})

test('a throwing handler is an uncaught exception, and the rest of the batch still runs', (t) => {
  const result = runNode(`
    const { Epoll, EPOLLIN, EPOLLET, pipe, write } = epoll
    const ep = new Epoll()
    const pipes = [pipe(), pipe(), pipe()]
    const delivered = []
    let uncaught = []
    process.on('uncaughtException', (e) => uncaught.push(e.message))
    for (const [r, w] of pipes) {
      ep.register(r, EPOLLIN | EPOLLET, (events, fd) => {
        delivered.push(fd)
        if (fd === pipes[0][0]) throw new Error('boom')
      })
      write(w, Buffer.from('x'))
    }
    setTimeout(() => {
      // Dispatch stays consistent afterwards: a new event reaches its handler.
      write(pipes[0][1], Buffer.from('y'))
      setTimeout(() => {
        console.log(JSON.stringify({ delivered: delivered.length, uncaught }))
        ep.close()
      }, 20)
    }, 20)
  `)
  t.is(result.status, 0, result.stderr)
  t.deepEqual(JSON.parse(result.stdout), { delivered: 4, uncaught: ['boom', 'boom'] })
})

test('a throwing handler without an uncaughtException listener crashes the process like any callback', (t) => {
  const result = runNode(`
    const ep = new epoll.Epoll()
    const [r, w] = epoll.pipe()
    ep.register(r, epoll.EPOLLIN, () => { throw new Error('handler failed') })
    epoll.write(w, Buffer.from('x'))
  `)
  t.not(result.status, 0)
  t.regex(result.stderr, /handler failed/)
})

test('handler argument errors leave the registration unchanged', async (t) => {
  using ep = new Epoll()
  using pipe = openPipe()
  t.throws(() => ep.register(pipe.readFd, EPOLLIN, 'not a function' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.false(ep.has(pipe.readFd))
  ep.register(pipe.readFd, EPOLLIN)
  t.throws(() => ep.modify(pipe.readFd, EPOLLOUT, 42 as never), { code: 'ERR_INVALID_ARG_TYPE' })
  pipe.send()
  t.deepEqual(await ep.wait({ timeout: 1000 }), [[pipe.readFd, EPOLLIN]], 'still EPOLLIN, still no handler')
  await tick()
})

test('blocking poll() keeps working on an instance that has handlers', async (t) => {
  using ep = new Epoll()
  using a = openPipe()
  using b = openPipe()
  ep.register(a.readFd, EPOLLIN, () => t.fail('the blocking poll took this event'))
  ep.register(b.readFd, EPOLLIN)
  a.send()
  b.send()
  const polled = ep.poll(0)
  t.is(polled.length, 2)
  a.drain()
  await settle(10)
})
