import test from 'ava'

import { Epoll, EPOLLET, EPOLLEXCLUSIVE, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EPOLLPRI } from '../../index.js'
import { throwsSystemError } from '../helpers/errors.js'
import { fifo } from '../helpers/node-fifo.js'

test('level-triggered: an fd is reported on every poll until it is drained', (t) => {
  using ep = new Epoll()
  using pipe = fifo()
  ep.register(pipe.readFd, EPOLLIN)
  t.deepEqual(ep.poll(0), [])
  pipe.write()
  t.deepEqual(ep.poll(0), [[pipe.readFd, EPOLLIN]])
  t.deepEqual(ep.poll(0), [[pipe.readFd, EPOLLIN]])
  pipe.drain()
  t.deepEqual(ep.poll(0), [])
})

test('edge-triggered: each new arrival is reported once', (t) => {
  using ep = new Epoll()
  using pipe = fifo()
  ep.register(pipe.readFd, EPOLLIN | EPOLLET)
  pipe.write()
  t.deepEqual(ep.poll(0), [[pipe.readFd, EPOLLIN]])
  t.deepEqual(ep.poll(0), [], 'no new edge, nothing reported though data is still there')
  pipe.write()
  t.deepEqual(ep.poll(0), [[pipe.readFd, EPOLLIN]])
})

test('oneshot: reported once, then silent until modify re-arms it', (t) => {
  using ep = new Epoll()
  using pipe = fifo()
  ep.register(pipe.readFd, EPOLLIN | EPOLLONESHOT)
  pipe.write()
  t.is(ep.poll(0).length, 1)
  pipe.write()
  t.deepEqual(ep.poll(0), [])
  ep.modify(pipe.readFd, EPOLLIN | EPOLLONESHOT)
  t.deepEqual(ep.poll(0), [[pipe.readFd, EPOLLIN]])
})

test('exclusive: one event for one wake-up, register only', (t) => {
  using first = new Epoll()
  using second = new Epoll()
  using pipe = fifo()
  first.register(pipe.readFd, EPOLLIN | EPOLLEXCLUSIVE)
  second.register(pipe.readFd, EPOLLIN | EPOLLEXCLUSIVE)
  pipe.write()
  t.true(first.poll(0).length + second.poll(0).length >= 1)
  throwsSystemError(t, () => first.modify(pipe.readFd, EPOLLIN | EPOLLEXCLUSIVE), 'EINVAL', 'epoll_ctl')
})

test('register defaults to EPOLLIN | EPOLLPRI | EPOLLOUT, like Python', (t) => {
  using ep = new Epoll()
  using pipe = fifo()
  ep.register(pipe.writeFd)
  t.deepEqual(ep.poll(0), [[pipe.writeFd, EPOLLOUT]])
  t.is(EPOLLIN | EPOLLPRI | EPOLLOUT, 7)
})

test('modify changes what is reported', (t) => {
  using ep = new Epoll()
  using pipe = fifo()
  ep.register(pipe.writeFd, EPOLLIN)
  t.deepEqual(ep.poll(0), [])
  ep.modify(pipe.writeFd, EPOLLOUT)
  t.deepEqual(ep.poll(0), [[pipe.writeFd, EPOLLOUT]])
})

test('a mask built with | and EPOLLET (negative int32) is accepted', (t) => {
  using ep = new Epoll()
  using pipe = fifo()
  const mask = EPOLLIN | EPOLLET
  t.true(mask < 0)
  ep.register(pipe.readFd, mask)
  ep.modify(pipe.readFd, (EPOLLIN | EPOLLET) >>> 0)
  pipe.write()
  t.deepEqual(ep.poll(0), [[pipe.readFd, EPOLLIN]])
})

test('objects with a numeric fd are accepted wherever an fd is', (t) => {
  using ep = new Epoll()
  using pipe = fifo()
  const handle = { fd: pipe.readFd }
  ep.register(handle, EPOLLIN)
  t.true(ep.has(handle))
  ep.unregister(handle)
  t.false(ep.has(pipe.readFd))
})

test('size and has follow registrations', (t) => {
  using ep = new Epoll()
  using a = fifo()
  t.is(ep.size, 0)
  ep.register(a.readFd).register(a.writeFd, EPOLLOUT)
  t.is(ep.size, 2)
  t.true(ep.has(a.writeFd))
  ep.unregister(a.writeFd)
  t.is(ep.size, 1)
  t.false(ep.has(a.writeFd))
})
