import test from 'ava'

import { DEFAULT_MAX_EVENTS, Epoll, EPOLLIN, MAX_EVENTS_PER_POLL } from '../../index.js'
import { runNode } from '../helpers/child.js'
import { scaled } from '../helpers/emulation.js'
import { fifo } from '../helpers/node-fifo.js'

test('poll returns [] when the timeout passes, and waits at least that long (fractions round up)', (t) => {
  using ep = new Epoll()
  const start = process.hrtime.bigint()
  t.deepEqual(ep.poll(20.2), [])
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6
  t.true(elapsedMs >= 20.2, `${elapsedMs} ms`)
})

test('poll(0) and pollInto(out, 0) return at once', (t) => {
  using ep = new Epoll()
  const start = process.hrtime.bigint()
  t.deepEqual(ep.poll(0), [])
  t.is(ep.pollInto(new Uint32Array(8), 0), 0)
  const took = Number(process.hrtime.bigint() - start) / 1e6
  t.true(took < scaled(10), `${took} ms`)
})

test('poll without a timeout blocks until an fd is ready', (t) => {
  using ep = new Epoll()
  using pipe = fifo()
  ep.register(pipe.readFd, EPOLLIN)
  pipe.write()
  t.deepEqual(ep.poll(), [[pipe.readFd, EPOLLIN]])
  t.deepEqual(ep.poll(-1), [[pipe.readFd, EPOLLIN]])
  t.deepEqual(ep.poll(Infinity), [[pipe.readFd, EPOLLIN]])
})

test('maxEvents limits one poll; the rest come with the next', (t) => {
  using ep = new Epoll()
  const pipes = Array.from({ length: 5 }, () => fifo())
  t.teardown(() => pipes.forEach((p) => p.close()))
  for (const p of pipes) {
    ep.register(p.readFd, EPOLLIN | 0x80000000) // edge-triggered: each reported once
    p.write()
  }
  const first = ep.poll(0, 2)
  t.is(first.length, 2)
  const rest = ep.poll(0)
  t.is(rest.length, 3)
  t.deepEqual(
    [...first, ...rest].map(([fd]) => fd).sort((a, b) => a - b),
    pipes.map((p) => p.readFd).sort((a, b) => a - b),
  )
})

test('by default poll returns up to DEFAULT_MAX_EVENTS (1024) events at once', (t) => {
  using ep = new Epoll()
  const pipes = Array.from({ length: 70 }, () => fifo())
  t.teardown(() => pipes.forEach((p) => p.close()))
  for (const p of pipes) {
    ep.register(p.readFd, EPOLLIN)
    p.write()
  }
  t.is(ep.poll(0).length, 70)
  t.is(DEFAULT_MAX_EVENTS, 1024)
})

test('a huge maxEvents does not allocate a huge buffer', (t) => {
  using ep = new Epoll()
  const before = process.memoryUsage().arrayBuffers
  t.deepEqual(ep.poll(0, 2 ** 31 - 1), [])
  t.true(process.memoryUsage().arrayBuffers - before <= 8 * MAX_EVENTS_PER_POLL + 4096)
  t.is(MAX_EVENTS_PER_POLL, 65536)
})

test('pollInto writes [fd, events] pairs into the array and returns the count', (t) => {
  using ep = new Epoll()
  using a = fifo()
  using b = fifo()
  ep.register(a.readFd, EPOLLIN).register(b.readFd, EPOLLIN)
  a.write()
  b.write()
  const out = new Uint32Array(5).fill(0xdead)
  t.is(ep.pollInto(out, 0), 2)
  t.deepEqual(
    [
      [out[0], out[1]],
      [out[2], out[3]],
    ].sort((x, y) => x[0] - y[0]),
    [
      [a.readFd, EPOLLIN],
      [b.readFd, EPOLLIN],
    ].sort((x, y) => x[0] - y[0]),
  )
  t.is(out[4], 0xdead, 'the odd last slot is left alone')
  t.is(ep.pollInto(out.subarray(2, 4), 0), 1, 'a subarray works, room for one event')
})

for (const method of ['poll', 'pollInto'] as const) {
  test(`signals do not end a blocking ${method} early or make it throw`, (t) => {
    const call = method === 'poll' ? 'ep.poll(400)' : 'ep.pollInto(new Uint32Array(8), 400)'
    const result = runNode(`
      const { spawn } = require('node:child_process')
      let received = 0
      process.on('SIGUSR2', () => received++)
      const ep = new epoll.Epoll()
      // A sibling process sends a storm of signals while this thread is blocked in epoll_wait.
      const storm = spawn('sh', ['-c', 'for i in $(seq 1 30); do kill -USR2 ' + process.pid + '; sleep 0.01; done'])
      const start = process.hrtime.bigint()
      const result = ${call}
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6
      storm.on('exit', () => setImmediate(() => console.log(JSON.stringify({ result, elapsed, received }))))
    `)
    t.is(result.status, 0, result.stderr)
    const { result: returned, elapsed, received } = JSON.parse(result.stdout)
    t.true(method === 'poll' ? Array.isArray(returned) && returned.length === 0 : returned === 0)
    t.true(elapsed >= 400, `returned after ${elapsed} ms`)
    t.true(received > 0, 'signals did arrive during the wait')
  })
}
