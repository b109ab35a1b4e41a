import test from 'ava'
// Regression tests for bugs the model and fuzz tests found (issue 7), each fixed in lib/epoll.ts or watch.rs.

import { close, Epoll, EPOLLIN, EPOLLONESHOT, EPOLLOUT, pipe, write } from '../../index.js'
import { ROOT } from '../helpers/child.js'
import { openPipe } from '../helpers/package-pipe.js'

const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

test.serial('registering a reused number without a handler does not deliver to the closed fd’s handler', async (t) => {
  using ep = new Epoll()
  const [r1, w1] = pipe()
  let oldCalls = 0
  ep.register(r1, EPOLLIN, () => oldCalls++)
  close(r1) // without unregister: the kernel drops the registration with the file
  close(w1)
  const [r2, w2] = pipe()
  t.teardown(() => [r2, w2].forEach((fd) => close(fd)))
  t.is(r2, r1)
  ep.register(r2, EPOLLIN) // meant for wait()
  write(w2, Buffer.from('new'))
  t.deepEqual(await ep.wait({ timeout: 100 }), [[r2, EPOLLIN]])
  t.is(oldCalls, 0)
})

test.serial('modify() drops an event kept for wait(): nothing outside the new mask, a one-shot fd once', async (t) => {
  using ep = new Epoll()
  using target = openPipe()
  using other = openPipe()
  const w = target.writeFd
  ep.register(other.readFd, EPOLLIN, () => {}) // a handler elsewhere keeps the instance watching
  ep.register(w, EPOLLOUT) // level-triggered, ready, nobody waits: its event is kept
  await turns()
  ep.modify(w, EPOLLIN | EPOLLONESHOT) // a write end is never readable
  t.deepEqual(await ep.wait({ timeout: 50 }), [], 'no EPOLLOUT after modify asked for EPOLLIN only')
})

test.serial('unregister forgets a taken level-triggered event: a later one-shot registration is not re-armed', async (t) => {
  using ep = new Epoll()
  using target = openPipe()
  using other = openPipe()
  const w = target.writeFd
  ep.register(other.readFd, EPOLLIN, () => {}) // a handler elsewhere keeps the instance watching
  ep.register(w, EPOLLOUT) // level-triggered, always ready, nobody waits: kept and parked
  await turns()
  t.deepEqual(await ep.wait({ timeout: 0 }), [[w, EPOLLOUT]]) // taken: w is queued to be re-armed
  ep.unregister(w)
  let calls = 0
  ep.register(w, EPOLLOUT | EPOLLONESHOT, () => calls++)
  await turns()
  await ep.wait({ timeout: 0 }) // runs the stale re-arm
  await turns()
  t.is(calls, 1, 'a one-shot handler runs once until modify re-arms it')
})

test.serial('with the thread watcher, wait() when no fd is left rejects with EMFILE and the instance keeps working', (t) => {
  const out = JSON.parse(
    require('node:child_process').spawnSync('sh', ['-c', 'ulimit -n 64 && exec "$0" -e "$1"', process.execPath, `const epoll = require(${JSON.stringify(ROOT)});` + `
    const ep = new epoll.Epoll()
    const [r, w] = epoll.pipe()
    ep.register(r, epoll.EPOLLIN)
    const held = []
    for (;;) { try { held.push(epoll.eventfd()) } catch { break } }
    epoll.write(w, Buffer.from('x'))
    ep.wait({ timeout: 200 }).then(() => ({ code: 'none' }), (e) => ({ code: e.code, syscall: e.syscall })).then((first) => {
      for (const fd of held.splice(0, 4)) epoll.close(fd)
      ep.wait({ timeout: 500 }).then((events) => { console.log(JSON.stringify({ first, events, r })); process.exit(0) })
    })`], { encoding: 'utf8', env: { ...process.env, EPOLL_NAPI_WATCHER: 'thread' } }).stdout,
  )
  t.deepEqual(out.first, { code: 'EMFILE', syscall: 'eventfd' })
  t.deepEqual(out.events, [[out.r, EPOLLIN]])
})

test.serial('Epoll methods called on another object throw a coded TypeError (ERR_INVALID_THIS)', (t) => {
  t.throws(() => Epoll.prototype.register.call({} as Epoll, 0), { instanceOf: TypeError, code: 'ERR_INVALID_THIS' })
})
