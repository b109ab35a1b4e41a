/**
 * Every message of a code is built in one place, in Node's shape: these specs compare the package's
 * messages with the ones Node itself and the native binding throw, word for word.
 */
import test from 'ava'
import { openSync } from 'node:fs'

import { Epoll, EPOLLIN, listenUnix } from '../../index.js'
import { CLOSED_MESSAGE, invalidArgValue, watchFailed } from '../../lib/internal/errors.js'
import { fifo } from '../helpers/node-fifo.js'

const { NativeEpoll } = require('../../binding.js')

test('a closed instance is worded the same whether TypeScript or the native binding sees it first', (t) => {
  using pipe = fifo()
  const ep = new Epoll()
  ep.close()
  const fromTs = t.throws(() => ep.register(pipe.readFd, EPOLLIN), { code: 'ERR_EPOLL_CLOSED' })
  const native = new NativeEpoll(true)
  native.close()
  const fromNative = t.throws(() => native.register(pipe.readFd, EPOLLIN), { code: 'ERR_EPOLL_CLOSED' })
  t.is(fromNative?.message, fromTs?.message)
  t.is(fromTs?.message, CLOSED_MESSAGE)
})

test("ERR_INVALID_ARG_VALUE reads as Node's own: The argument 'name' reason. Received <inspected>", (t) => {
  const reason = 'must be a string, Uint8Array, or URL without null bytes'
  const nodes = t.throws(() => openSync('a\0b', 'r'), { code: 'ERR_INVALID_ARG_VALUE' })
  const ours = invalidArgValue('path', reason, 'a\0b')
  t.is(ours.message, nodes?.message)
  t.true(ours instanceof TypeError)
})

test("ERR_INVALID_ARG_VALUE names a dotted option a property, as Node does, and cuts long values at 128 characters", (t) => {
  t.is(invalidArgValue('options.how', 'is invalid', 'x').message, "The property 'options.how' is invalid. Received 'x'")
  const long = invalidArgValue('path', 'is invalid', 'y'.repeat(300)).message
  t.is(long, `The argument 'path' is invalid. Received '${'y'.repeat(127)}...`)
})

test('the I/O helpers use the same shape for their own value errors', (t) => {
  t.throws(() => listenUnix(''), { code: 'ERR_INVALID_ARG_VALUE', message: "The argument 'path' must not be empty. Received ''" })
})

test('ERR_EPOLL_WATCH carries the errno negative and the failing system call, like a system error', (t) => {
  const error = watchFailed(9, 'epoll_wait')
  t.is(error.code, 'ERR_EPOLL_WATCH')
  t.is(error.errno, -9)
  t.is(error.syscall, 'epoll_wait')
  t.is(error.message, 'EBADF: watching the epoll fd on the event loop failed, epoll_wait')
})
