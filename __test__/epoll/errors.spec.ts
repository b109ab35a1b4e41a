import test from 'ava'
import { openSync, closeSync } from 'node:fs'

import { Epoll, EPOLLIN } from '../../index.js'
import { throwsSystemError } from '../helpers/errors.js'
import { fifo } from '../helpers/node-fifo.js'

test('registering twice is EEXIST from epoll_ctl, and the message names the fd', (t) => {
  using ep = new Epoll()
  using pipe = fifo()
  ep.register(pipe.readFd, EPOLLIN)
  const error = throwsSystemError(t, () => ep.register(pipe.readFd, EPOLLIN), 'EEXIST', 'epoll_ctl')
  t.is(error?.errno, -17)
  t.regex(error!.message, new RegExp(`EPOLL_CTL_ADD fd ${pipe.readFd}`))
})

test('modify or unregister of an fd that is not registered is ENOENT', (t) => {
  using ep = new Epoll()
  using pipe = fifo()
  throwsSystemError(t, () => ep.modify(pipe.readFd, EPOLLIN), 'ENOENT', 'epoll_ctl')
  throwsSystemError(t, () => ep.unregister(pipe.readFd), 'ENOENT', 'epoll_ctl')
})

test('an fd that is not open is EBADF', (t) => {
  using ep = new Epoll()
  throwsSystemError(t, () => ep.register(1_000_000, EPOLLIN), 'EBADF', 'epoll_ctl')
})

test('a regular file cannot be watched: EPERM', (t) => {
  using ep = new Epoll()
  const fd = openSync(__filename, 'r')
  t.teardown(() => closeSync(fd))
  throwsSystemError(t, () => ep.register(fd, EPOLLIN), 'EPERM', 'epoll_ctl')
  t.is(ep.size, 0)
})

test('an epoll instance cannot watch itself: EINVAL', (t) => {
  using ep = new Epoll()
  throwsSystemError(t, () => ep.register(ep.fd, EPOLLIN), 'EINVAL', 'epoll_ctl')
})

const BAD_FDS: [unknown, string][] = [
  [2 ** 32 + 3, 'ERR_OUT_OF_RANGE'],
  [NaN, 'ERR_OUT_OF_RANGE'],
  [1.5, 'ERR_OUT_OF_RANGE'],
  [-1, 'ERR_OUT_OF_RANGE'],
  [Infinity, 'ERR_OUT_OF_RANGE'],
  [2 ** 31, 'ERR_OUT_OF_RANGE'],
  ['3', 'ERR_INVALID_ARG_TYPE'],
  [3n, 'ERR_INVALID_ARG_TYPE'],
  [null, 'ERR_INVALID_ARG_TYPE'],
  [undefined, 'ERR_INVALID_ARG_TYPE'],
  [{ fd: '3' }, 'ERR_INVALID_ARG_TYPE'],
  [{ fd: -3 }, 'ERR_OUT_OF_RANGE'],
  [{}, 'ERR_INVALID_ARG_TYPE'],
]

for (const [fd, code] of BAD_FDS) {
  test(`an fd of ${typeof fd === 'object' ? JSON.stringify(fd) : typeof fd === 'string' ? `'${fd}'` : typeof fd === 'bigint' ? `${fd}n` : String(fd)} is refused with ${code} and changes nothing`, (t) => {
    using ep = new Epoll()
    using pipe = fifo()
    ep.register(pipe.readFd, EPOLLIN)
    const instanceOf = code === 'ERR_OUT_OF_RANGE' ? RangeError : TypeError
    for (const call of [
      () => ep.register(fd as number, EPOLLIN),
      () => ep.modify(fd as number, EPOLLIN),
      () => ep.unregister(fd as number),
      () => ep.has(fd as number),
    ]) {
      t.throws(call, { code, instanceOf })
    }
    t.is(ep.size, 1)
    t.true(ep.has(pipe.readFd))
  })
}

test('event masks outside 32 bits or of the wrong type are refused', (t) => {
  using ep = new Epoll()
  using pipe = fifo()
  t.throws(() => ep.register(pipe.readFd, 2 ** 32), { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError })
  t.throws(() => ep.register(pipe.readFd, -(2 ** 31) - 1), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => ep.register(pipe.readFd, 1.5), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => ep.register(pipe.readFd, '1' as never), { code: 'ERR_INVALID_ARG_TYPE', instanceOf: TypeError })
  t.is(ep.size, 0)
})

test('timeouts and maxEvents are checked before anything blocks', (t) => {
  using ep = new Epoll()
  t.throws(() => ep.poll(NaN), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => ep.poll(-2), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => ep.poll('10' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => ep.poll(0, 0), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => ep.poll(0, 2 ** 31), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => ep.poll(0, 1.5), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => ep.pollInto(new Uint32Array(1), 0), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => ep.pollInto(new Int32Array(2) as never, 0), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => ep.pollInto([0, 0] as never, 0), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('options are checked', (t) => {
  t.throws(() => new Epoll(1 as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => new Epoll({ closeOnExec: 'yes' as never }), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('the native binding checks its arguments too: 2**32 + 3 is never fd 3, and pollInto waits on an instance, not a number', (t) => {
  const { NativeEpoll, pollInto } = require('../../binding.js')
  const native = new NativeEpoll(true)
  t.teardown(() => native.close())
  t.throws(() => native.register(2 ** 32 + 3, EPOLLIN), { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError })
  t.throws(() => pollInto(native, new Float64Array(4), 0), { code: 'ERR_INVALID_ARG_TYPE', instanceOf: TypeError })
  t.throws(() => pollInto(native, new Uint32Array(4), NaN), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => pollInto(native.fd, new Uint32Array(4), 0), { code: 'ERR_INVALID_ARG_TYPE' }, 'an epoll fd number is no instance')
  t.throws(() => pollInto({ fd: native.fd }, new Uint32Array(4), 0), { code: 'ERR_INVALID_ARG_TYPE' }, 'nor is an object that looks like one')
  t.is(pollInto(native, new Uint32Array(4), 0), 0, 'an instance with nothing registered: a timeout')
  t.is(native.size, 0)
})
