import test from 'ava'
import { readFileSync } from 'node:fs'

import { Epoll, EPOLLIN, supported } from '../../index.js'
import { ROOT, runNode } from '../helpers/child.js'
import { fifo, isEpollFd, isOpen } from '../helpers/node-fifo.js'

function closeOnExecFlag(fd: number): boolean {
  const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]
  return (parseInt(flags, 8) & 0o2000000) !== 0
}

test('epoll is supported on this Linux machine', (t) => {
  t.true(supported)
})

test('a new instance owns an open, close-on-exec epoll fd', (t) => {
  using ep = new Epoll()
  t.true(ep.fd > 2)
  t.is(ep.fileno(), ep.fd)
  t.false(ep.closed)
  t.true(closeOnExecFlag(ep.fd))
})

test('closeOnExec: false leaves the fd inheritable', (t) => {
  using ep = new Epoll({ closeOnExec: false })
  t.false(closeOnExecFlag(ep.fd))
})

test('close is idempotent, closes the fd and turns fd into -1', (t) => {
  const ep = new Epoll()
  const fd = ep.fd
  ep.close()
  ep.close()
  t.true(ep.closed)
  t.is(ep.fd, -1)
  t.false(isEpollFd(fd))
})

test('every call on a closed instance throws ERR_EPOLL_CLOSED, even when the fd number was reused', (t) => {
  const ep = new Epoll()
  const oldFd = ep.fd
  ep.close()
  using other = new Epoll() // very likely gets the same number back
  using pipe = fifo()
  const calls: [string, () => unknown][] = [
    ['register', () => ep.register(pipe.readFd, EPOLLIN)],
    ['modify', () => ep.modify(pipe.readFd, EPOLLIN)],
    ['unregister', () => ep.unregister(pipe.readFd)],
    ['has', () => ep.has(pipe.readFd)],
    ['size', () => ep.size],
    ['poll', () => ep.poll(0)],
    ['pollInto', () => ep.pollInto(new Uint32Array(2), 0)],
    ['fileno', () => ep.fileno()],
  ]
  for (const [name, call] of calls) t.throws(call, { code: 'ERR_EPOLL_CLOSED' }, name)
  t.is(other.size, 0, 'nothing reached the instance that reused the number')
  t.log(`old fd ${oldFd}, new fd ${other.fd}`)
})

test('Symbol.dispose closes the instance at the end of a using block', (t) => {
  let fd: number
  {
    using ep = new Epoll()
    fd = ep.fd
    t.true(isEpollFd(fd))
  }
  t.false(isEpollFd(fd))
})

test('fromFd adopts an inherited epoll fd with its registrations', (t) => {
  using pipe = fifo()
  using ep = new Epoll({ closeOnExec: false })
  ep.register(pipe.readFd, EPOLLIN)
  pipe.write()
  // The child inherits the epoll fd as its fd 3, owned by nobody there, and adopts it.
  const result = runNode(
    `const adopted = epoll.Epoll.fromFd(3)
     console.log(JSON.stringify({ fd: adopted.fd, size: adopted.size, has: adopted.has(${pipe.readFd}), events: adopted.poll(0) }))
     adopted.close()`,
    { stdio: ['ignore', 'pipe', 'pipe', ep.fd] },
  )
  t.is(result.status, 0, result.stderr)
  t.deepEqual(JSON.parse(result.stdout), { fd: 3, size: 1, has: true, events: [[pipe.readFd, EPOLLIN]] })
  t.deepEqual(ep.poll(0), [[pipe.readFd, EPOLLIN]], 'the parent still has its own instance')
})

test('fromFd refuses an fd another Epoll owns, fds that are not epoll, and bad numbers; and closes none', (t) => {
  using ep = new Epoll()
  using pipe = fifo()
  t.throws(() => Epoll.fromFd(ep.fd), { code: 'ERR_EPOLL_FD_OWNED' })
  t.throws(() => Epoll.fromFd(pipe.readFd), { code: 'ERR_EPOLL_NOT_EPOLL', instanceOf: TypeError })
  t.true(isOpen(ep.fd))
  t.true(isOpen(pipe.readFd))
  t.throws(() => Epoll.fromFd(1_000_000), { code: 'EBADF' })
  t.throws(() => Epoll.fromFd(-1), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => Epoll.fromFd('3' as never), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('an unreachable instance is garbage-collected and its fd closed', (t) => {
  const result = runNode(
    `
    const { readdirSync } = require('node:fs')
    const count = () => readdirSync('/proc/self/fd').length
    const before = count()
    for (let i = 0; i < 200; i++) new epoll.Epoll()
    const created = count() - before
    ;(async () => {
      for (let i = 0; i < 20 && count() > before; i++) {
        global.gc()
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      console.log(JSON.stringify({ created, left: count() - before }))
    })()
  `,
    { args: ['--expose-gc'] },
  )
  t.is(result.status, 0, result.stderr)
  const { created, left } = JSON.parse(result.stdout)
  t.true(created > 0, 'the instances had open fds')
  t.is(left, 0)
})

test('the package loads from require and from import', async (t) => {
  const cjs = runNode(`console.log(typeof epoll.Epoll, epoll.EPOLLET)`)
  t.is(cjs.stdout.trim(), 'function 2147483648', cjs.stderr)
  const esm = await import('../../index.js')
  t.is(typeof esm.Epoll, 'function')
  t.is(esm.EPOLLET, 0x80000000)
})

test('on a platform without epoll the import works, supported is false and new Epoll() throws a coded error', (t) => {
  const result = runNode(
    `
    Object.defineProperty(process, 'platform', { value: 'darwin' })
    const m = require(${JSON.stringify(ROOT)})
    let code
    try { new m.Epoll() } catch (e) { code = e.code }
    console.log(JSON.stringify({ supported: m.supported, code, EPOLLIN: m.EPOLLIN }))
  `,
    { loadPackage: false },
  )
  t.is(result.status, 0, result.stderr)
  t.deepEqual(JSON.parse(result.stdout), { supported: false, code: 'ERR_EPOLL_UNSUPPORTED_PLATFORM', EPOLLIN: 1 })
})
