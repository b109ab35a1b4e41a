/**
 * Property tests: random sequences of register / modify / unregister / poll / pollInto / write / read /
 * close-without-unregister / reopen, on two instances at once, compared step by step with a reference
 * model of the kernel's epoll (level, edge, one-shot, EPOLLEXCLUSIVE rules, fd reuse) and of the
 * package's own registration bookkeeping. Every result, every event mask and every error code must match.
 */
import test from 'ava'
import fc from 'fast-check'
import { closeSync, writeSync } from 'node:fs'

import { Epoll, EPOLLET, EPOLLEXCLUSIVE, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT } from '../../index.js'
import { FifoPool } from '../helpers/model/fifo-pool.js'
import { commandArbitraries, runSequence } from '../helpers/model/model-world.js'

/** Runs per property; FAST_CHECK_RUNS raises it for a long local search. */
const RUNS = Number(process.env.FAST_CHECK_RUNS ?? 150)

test('random operation sequences on two instances behave as the epoll model says', (t) => {
  const details = fc.check(
    fc.property(fc.commands(commandArbitraries, { maxCommands: 80, size: 'max' }), (commands) => {
      runSequence(commands)
    }),
    { numRuns: RUNS },
  )
  t.false(details.failed, `${fc.defaultReportMessage(details)}\n${String(details.errorInstance)}`)
})

// Situations the model covers that a reader should see spelled out (found while calibrating it).

test('an fd closed without unregister: the kernel forgets it, the instance still counts it until a call on the number fails', (t) => {
  using pool = new FifoPool(2)
  using ep = new Epoll()
  const first = pool.open()!
  ep.register(first.readFd, EPOLLIN)
  closeSync(first.readFd)
  closeSync(first.writeFd)
  t.true(ep.has(first.readFd), 'the package cannot see a close it did not make')
  t.is(ep.size, 1)
  t.deepEqual(ep.poll(0), [], 'the kernel dropped the registration with the file')
  t.throws(() => ep.modify(first.readFd, EPOLLIN), { code: 'EBADF' })
  t.false(ep.has(first.readFd), 'EBADF tells the package that the number is free')
  t.is(ep.size, 0)
})

test('a reused fd number can be registered again and reports only the new file', (t) => {
  using pool = new FifoPool(2)
  using ep = new Epoll()
  const first = pool.open()!
  ep.register(first.readFd, EPOLLIN)
  writeSync(first.writeFd, 'old')
  closeSync(first.readFd)
  closeSync(first.writeFd)
  const second = pool.open()!
  t.is(second.readFd, first.readFd, 'the lowest free number comes back')
  t.deepEqual(ep.poll(0), [], 'the old, readable pipe is not reported under the reused number')
  ep.register(second.readFd, EPOLLIN)
  t.deepEqual(ep.poll(0), [])
  writeSync(second.writeFd, 'new')
  t.deepEqual(ep.poll(0), [[second.readFd, EPOLLIN]])
  closeSync(second.readFd)
  closeSync(second.writeFd)
})

test('unregister of a stale number now held by an unregistered file is ENOENT and clears the entry', (t) => {
  using pool = new FifoPool(2)
  using ep = new Epoll()
  const first = pool.open()!
  ep.register(first.writeFd, EPOLLOUT)
  closeSync(first.writeFd)
  closeSync(first.readFd)
  const second = pool.open()!
  const reused = [second.readFd, second.writeFd].includes(first.writeFd)
  t.true(reused)
  const error = t.throws(() => ep.unregister(first.writeFd), { code: 'ENOENT' }) as Error & { syscall?: string }
  t.is(error?.syscall, 'epoll_ctl')
  t.false(ep.has(first.writeFd))
  closeSync(second.readFd)
  closeSync(second.writeFd)
})

test('a fired one-shot fd stays registered: register is EEXIST, modify re-arms it', (t) => {
  using pool = new FifoPool(1)
  using ep = new Epoll()
  const pipe = pool.open()!
  t.teardown(() => [pipe.readFd, pipe.writeFd].forEach((fd) => closeSync(fd)))
  ep.register(pipe.writeFd, EPOLLOUT | EPOLLONESHOT)
  t.deepEqual(ep.poll(0), [[pipe.writeFd, EPOLLOUT]])
  t.deepEqual(ep.poll(0), [])
  t.throws(() => ep.register(pipe.writeFd, EPOLLOUT), { code: 'EEXIST' })
  ep.modify(pipe.writeFd, EPOLLOUT | EPOLLET)
  t.deepEqual(ep.poll(0), [[pipe.writeFd, EPOLLOUT]])
  t.deepEqual(ep.poll(0), [], 'now edge-triggered')
})

test('an EPOLLEXCLUSIVE registration cannot be modified (EINVAL), and its entry is kept', (t) => {
  using pool = new FifoPool(1)
  using ep = new Epoll()
  const pipe = pool.open()!
  t.teardown(() => [pipe.readFd, pipe.writeFd].forEach((fd) => closeSync(fd)))
  t.throws(() => ep.register(pipe.readFd, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT), { code: 'EINVAL' })
  t.false(ep.has(pipe.readFd))
  ep.register(pipe.readFd, EPOLLIN | EPOLLEXCLUSIVE)
  t.throws(() => ep.modify(pipe.readFd, EPOLLIN), { code: 'EINVAL' })
  t.true(ep.has(pipe.readFd))
  writeSync(pipe.writeFd, 'x')
  t.deepEqual(ep.poll(0), [[pipe.readFd, EPOLLIN]])
})

test('a hang-up is reported even when the mask asks for nothing', (t) => {
  using pool = new FifoPool(1)
  using ep = new Epoll()
  const pipe = pool.open()!
  t.teardown(() => closeSync(pipe.readFd))
  ep.register(pipe.readFd, 0)
  t.deepEqual(ep.poll(0), [])
  closeSync(pipe.writeFd)
  t.deepEqual(ep.poll(0), [[pipe.readFd, EPOLLHUP]])
})
