import test from 'ava'

import {
  accept,
  close,
  connectTcp,
  eventfd,
  listenTcp,
  listenUnix,
  pipe,
  read,
  readv,
  setNoDelay,
  setTimer,
  shutdown,
  timerfd,
  write,
  writeCounter,
  writev,
} from '../../index.js'
import { throwsSystemError } from '../helpers/errors.js'
import { closeAll } from '../helpers/readiness.js'

const native = require('../../binding.js')

function withPipe(t: { teardown(fn: () => void): void }): [number, number] {
  const fds = pipe()
  t.teardown(() => closeAll(...fds))
  return fds
}

test('a buffer that is not an ArrayBufferView is ERR_INVALID_ARG_TYPE', (t) => {
  const [r, w] = withPipe(t)
  for (const bad of ['text', [1, 2], new ArrayBuffer(4), { length: 4 }, null]) {
    t.throws(() => read(r, bad as never), { code: 'ERR_INVALID_ARG_TYPE', instanceOf: TypeError })
    t.throws(() => write(w, bad as never), { code: 'ERR_INVALID_ARG_TYPE', instanceOf: TypeError })
  }
})

test('offset and length outside the view are ERR_OUT_OF_RANGE, and nothing is read or written', (t) => {
  const [r, w] = withPipe(t)
  const buf = Buffer.alloc(8)
  for (const [offset, length] of [
    [9, undefined],
    [-1, undefined],
    [1.5, undefined],
    [0, 9],
    [4, 5],
    [0, -1],
    [Number.NaN, undefined],
  ]) {
    t.throws(() => write(w, buf, offset, length), { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError })
    t.throws(() => read(r, buf, offset, length), { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError })
  }
  t.is(read(r, buf), -1, 'no write went through')
  t.throws(() => write(w, buf, '1' as never), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('offsets and lengths count bytes, also for wider typed arrays', (t) => {
  const [, w] = withPipe(t)
  const words = new Uint32Array(2) // 8 bytes
  t.is(write(w, words, 4, 4), 4)
  t.throws(() => write(w, words, 0, 9), { code: 'ERR_OUT_OF_RANGE' })
})

test('a zero-length read is refused (it would look like end of file); a zero-length write is fine', (t) => {
  const [r, w] = withPipe(t)
  t.throws(() => read(r, Buffer.alloc(0)), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => read(r, Buffer.alloc(4), 4), { code: 'ERR_OUT_OF_RANGE' })
  t.is(write(w, Buffer.alloc(0)), 0)
})

test('a view of a detached ArrayBuffer is ERR_INVALID_ARG_VALUE', (t) => {
  const [r, w] = withPipe(t)
  const backing = new ArrayBuffer(8)
  const view = new Uint8Array(backing)
  structuredClone(backing, { transfer: [backing] })
  t.throws(() => read(r, view), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => write(w, view), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => native.write(w, view, 0, 0), { code: 'ERR_INVALID_ARG_VALUE' }, 'the binding checks too')
})

test('the binding checks bounds itself: called directly it never reads or writes outside the view', (t) => {
  const [r, w] = withPipe(t)
  const buf = Buffer.alloc(8)
  t.throws(() => native.write(w, buf, 4, 5), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => native.read(r, buf.subarray(2, 4), 0, 3), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => native.read(r, {}, 0, 1), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => native.write(w, buf, 2 ** 32, 0), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => native.read(2 ** 32 + r, buf, 0, 1), { code: 'ERR_OUT_OF_RANGE' }, '2**32 + fd is not fd')
})

test('fds are checked like everywhere else in the package', (t) => {
  for (const [bad, code] of [
    ['3', 'ERR_INVALID_ARG_TYPE'],
    [-1, 'ERR_OUT_OF_RANGE'],
    [1.5, 'ERR_OUT_OF_RANGE'],
    [2 ** 32 + 3, 'ERR_OUT_OF_RANGE'],
  ] as const) {
    t.throws(() => read(bad as never, Buffer.alloc(1)), { code })
    t.throws(() => accept(bad as never), { code })
    t.throws(() => close(bad as never), { code })
  }
})

test('readv/writev want an array of views, at most IOV_MAX of them', (t) => {
  const [r, w] = withPipe(t)
  t.throws(() => writev(w, Buffer.from('x') as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => writev(w, [Buffer.from('x'), 'y' as never]), { code: 'ERR_INVALID_ARG_TYPE', message: /buffers\[1\]/ })
  t.throws(() => readv(r, Array.from({ length: 1025 }, () => Buffer.alloc(1))), { code: 'ERR_OUT_OF_RANGE' })
})

test('ports, hosts and listen options are checked before any socket is made', (t) => {
  for (const port of [-1, 65536, 1.5, Number.NaN]) t.throws(() => listenTcp(port), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => listenTcp('80' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => connectTcp(80, 'localhost'), { code: 'ERR_INVALID_ARG_VALUE', message: /address literal/ })
  t.throws(() => connectTcp(80, '999.1.1.1'), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => listenTcp(0, 42 as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => listenTcp(0, undefined, { backlog: -1 }), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => listenTcp(0, undefined, { reusePort: 'yes' as never }), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => listenTcp(0, undefined, 'fast' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => listenUnix(''), { code: 'ERR_INVALID_ARG_VALUE' })
  throwsSystemError(t, () => listenUnix(`/tmp/${'x'.repeat(200)}`), 'ENAMETOOLONG', 'bind')
})

test('eventfd, timerfd, shutdown and setNoDelay options are checked', (t) => {
  t.throws(() => eventfd(-1), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => eventfd(2 ** 32), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => eventfd(0, { semaphore: 1 as never }), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => timerfd(undefined as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => timerfd({ initial: -1 }), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => timerfd({ initial: Infinity }), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => timerfd({ initial: 1, interval: Number.NaN }), { code: 'ERR_OUT_OF_RANGE' })
  const [r, w] = withPipe(t)
  throwsSystemError(t, () => setTimer(r, { initial: 1 }), 'EINVAL', 'timerfd_settime') // a pipe is no timer
  t.throws(() => shutdown(r, 'sideways' as never), { code: 'ERR_INVALID_ARG_VALUE' })
  throwsSystemError(t, () => shutdown(r, 'write'), 'ENOTSOCK', 'shutdown')
  t.throws(() => setNoDelay(r, 'yes' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => writeCounter(w, 0), { code: 'ERR_OUT_OF_RANGE' })
})
