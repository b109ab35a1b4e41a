import test from 'ava'
import { setTimeout as sleep } from 'node:timers/promises'

import {
  EPOLLHUP,
  EPOLLIN,
  Epoll,
  WOULD_BLOCK,
  close,
  eventfd,
  pipe,
  read,
  readCounter,
  readv,
  setTimer,
  timerfd,
  write,
  writeCounter,
  writev,
} from '../../index.js'
import { scaled } from '../helpers/emulation.js'
import { throwsSystemError } from '../helpers/errors.js'
import { closeAll, fdFlags } from '../helpers/readiness.js'

test('a pipe: WOULD_BLOCK when empty, bytes in order, EOF and EPOLLHUP once the write end closes', (t) => {
  using ep = new Epoll()
  const [r, w] = pipe()
  t.teardown(() => closeAll(r, w))
  t.deepEqual([fdFlags(r), fdFlags(w)], [{ nonBlocking: true, closeOnExec: true }, { nonBlocking: true, closeOnExec: true }])
  const buf = Buffer.alloc(16)
  t.is(read(r, buf), WOULD_BLOCK)
  t.is(write(w, Buffer.from('first ')), 6)
  t.is(write(w, Buffer.from('second')), 6)
  t.is(read(r, buf), 12)
  t.is(buf.toString('utf8', 0, 12), 'first second')
  ep.register(r, EPOLLIN)
  close(w)
  t.deepEqual(ep.poll(0), [[r, EPOLLHUP]])
  t.is(read(r, buf), 0)
})

test('a full pipe takes part of a write, then WOULD_BLOCK; writing with no reader is EPIPE', (t) => {
  const [r, w] = pipe()
  t.teardown(() => closeAll(w))
  const big = Buffer.alloc(1 << 20)
  const first = write(w, big)
  t.true(first > 0 && first < big.length, `${first} bytes fit`)
  t.is(write(w, big), WOULD_BLOCK)
  close(r)
  throwsSystemError(t, () => write(w, big), 'EPIPE', 'write')
})

test('read and write use the bytes of any view: TypedArray, DataView and subarrays, offsets in bytes', (t) => {
  const [r, w] = pipe()
  t.teardown(() => closeAll(r, w))
  const words = new Uint16Array([0x4241, 0x4443, 0x4645]) // "ABCDEF" little-endian
  t.is(write(w, words, 2, 4), 4)
  const backing = new ArrayBuffer(12)
  const view = new DataView(backing, 4, 8)
  t.is(read(r, view, 1), 4)
  t.is(Buffer.from(backing).toString('latin1', 5, 9), 'CDEF')
  t.is(write(w, Buffer.from('xyz').subarray(1)), 2)
  const target = new Uint8Array(8).subarray(3, 6)
  t.is(read(r, target), 2)
  t.is(Buffer.from(target.buffer).toString('latin1', 3, 5), 'yz')
})

test('writev gathers several views into one write; readv scatters into several', (t) => {
  const [r, w] = pipe()
  t.teardown(() => closeAll(r, w))
  t.is(writev(w, [Buffer.from('head:'), new Uint8Array([0x31, 0x32]), Buffer.alloc(0), Buffer.from(':tail')]), 12)
  const a = Buffer.alloc(5)
  const b = Buffer.alloc(10)
  t.is(readv(r, [a, b]), 12)
  t.is(`${a}|${b.toString('latin1', 0, 7)}`, 'head:|12:tail')
  t.is(readv(r, [a]), WOULD_BLOCK)
})

test('an eventfd counts: writes add up, a read takes the whole count; readable only while non-zero', (t) => {
  using ep = new Epoll()
  const fd = eventfd(2)
  t.teardown(() => closeAll(fd))
  t.deepEqual(fdFlags(fd), { nonBlocking: true, closeOnExec: true })
  ep.register(fd, EPOLLIN)
  t.deepEqual(ep.poll(0), [[fd, EPOLLIN]])
  t.is(writeCounter(fd, 5), 8)
  t.is(writeCounter(fd), 8)
  t.is(readCounter(fd), 8)
  t.is(readCounter(fd), WOULD_BLOCK)
  t.deepEqual(ep.poll(0), [])
  const raw = new BigUint64Array([40n])
  t.is(write(fd, raw), 8)
  t.is(read(fd, raw), 8)
  t.is(raw[0], 40n)
})

test('a semaphore eventfd hands out its count one at a time', (t) => {
  const fd = eventfd(3, { semaphore: true })
  t.teardown(() => closeAll(fd))
  t.deepEqual([readCounter(fd), readCounter(fd), readCounter(fd), readCounter(fd)], [1, 1, 1, WOULD_BLOCK])
})

test('a periodic timerfd becomes readable and counts every expiration since the last read', async (t) => {
  using ep = new Epoll()
  // Under an emulator every check below takes ten times as long: so do the times. The first
  // expiration is far enough away for the "not yet" check: a loaded machine took 100 ms to get there.
  const initial = scaled(250)
  const interval = scaled(10)
  // Timed from when the timer is armed.
  const start = Date.now()
  const fd = timerfd({ initial, interval })
  t.teardown(() => closeAll(fd))
  t.deepEqual(fdFlags(fd), { nonBlocking: true, closeOnExec: true })
  ep.register(fd, EPOLLIN)
  t.is(readCounter(fd), WOULD_BLOCK, 'not expired yet')
  t.deepEqual(ep.poll(scaled(1000)), [[fd, EPOLLIN]])
  t.true(Date.now() - start >= initial - 2)
  await sleep(6 * interval)
  const expirations = readCounter(fd)
  t.true(expirations >= 4, `${expirations} expirations`)
  // Read again right after the next expiration, so that the one after it is a whole interval away
  // from the check (a slow machine took over 10 ms between a read at a random time and the check).
  t.deepEqual(ep.poll(scaled(1000)), [[fd, EPOLLIN]], 'readable again at the next expiration')
  t.true(readCounter(fd) >= 1)
  t.deepEqual(ep.poll(0), [], 'reading resets readiness until the next expiration')
})

test('a one-shot timerfd fires once; setTimer re-arms it or disarms it with null', async (t) => {
  using ep = new Epoll()
  const fd = timerfd({ initial: 0 })
  t.teardown(() => closeAll(fd))
  ep.register(fd, EPOLLIN)
  t.deepEqual(ep.poll(1000), [[fd, EPOLLIN]], 'initial 0 expires at once')
  t.is(readCounter(fd), 1)
  await sleep(20)
  t.is(readCounter(fd), WOULD_BLOCK, 'no interval: no second expiration')
  setTimer(fd, { initial: 5 })
  t.deepEqual(ep.poll(1000), [[fd, EPOLLIN]])
  t.is(readCounter(fd), 1)
  setTimer(fd, { initial: 5, interval: 5 })
  setTimer(fd, null)
  t.deepEqual(ep.poll(30), [], 'a disarmed timer never fires')
})
