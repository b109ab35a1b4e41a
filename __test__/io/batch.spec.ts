import test from 'ava'
import { constants } from 'node:os'

import {
  EPOLLIN,
  Epoll,
  NOT_READ,
  WOULD_BLOCK,
  close,
  eventfd,
  pollRead,
  read,
  readCounter,
  socketpair,
  write,
  writeCounter,
  writeMany,
  writeSlots,
} from '../../index.js'

const native = require('../../binding.js')

type Teardown = { teardown(fn: () => void): void }

/** `count` connected socket pairs, closed at the end of the test. */
function pairs(t: Teardown, count: number): Array<[number, number]> {
  const made = Array.from({ length: count }, () => socketpair())
  t.teardown(() => made.flat().forEach((fd) => close(fd)))
  return made
}

function text(buffer: Uint8Array, start: number, length: number): string {
  return Buffer.from(buffer.buffer, buffer.byteOffset + start, length).toString()
}

test('writeMany sends one buffer to every fd of a room, and says how many took all of it', (t) => {
  const room = pairs(t, 3)
  const fds = Int32Array.from(room.map(([mine]) => mine))
  const results = new Int32Array(3).fill(99)
  t.is(writeMany(fds, 3, results, Buffer.from('hello room')), 3)
  t.deepEqual([...results], [10, 10, 10])
  const buf = Buffer.alloc(32)
  for (const [, theirs] of room) {
    t.is(read(theirs, buf), 10)
    t.is(text(buf, 0, 10), 'hello room')
  }
})

test('writeMany goes on past a member that left: its slot holds -EPIPE, the others get the bytes', (t) => {
  const room = pairs(t, 3)
  const [gone, goneTheirs] = socketpair()
  close(goneTheirs)
  t.teardown(() => close(gone))
  const fds = Int32Array.from([room[0][0], gone, room[1][0], room[2][0]])
  const results = new Int32Array(4)
  t.is(writeMany(fds, 4, results, Buffer.from('still here'), 0, 5), 3)
  t.deepEqual([...results], [5, -constants.errno.EPIPE, 5, 5])
  const buf = Buffer.alloc(8)
  for (const [, theirs] of room) t.is(text(buf, 0, read(theirs, buf)), 'still')
})

test('writeMany to a full socket writes part of the buffer, then 0: the caller knows what to keep', (t) => {
  const [[mine]] = pairs(t, 1)
  const big = Buffer.alloc(4 << 20)
  const results = new Int32Array(1)
  t.is(writeMany(Int32Array.of(mine), 1, results, big), 0, 'not all of it')
  t.true(results[0] > 0 && results[0] < big.length, `partial write of ${results[0]} bytes`)
  writeMany(Int32Array.of(mine), 1, results, big)
  t.is(results[0], 0, 'a full socket takes nothing')
})

test('pollRead reads every ready fd into its own slot in the call that polls; EOF is 0', (t) => {
  const conns = pairs(t, 2)
  const [ending, endingTheirs] = socketpair()
  close(endingTheirs) // end of file on `ending`
  t.teardown(() => close(ending))
  using ep = new Epoll()
  for (const fd of [conns[0][0], ending, conns[1][0]]) ep.register(fd, EPOLLIN)
  write(conns[0][1], Buffer.from('first'))
  write(conns[1][1], Buffer.from('third!'))
  const events = new Uint32Array(2 * 8)
  const lengths = new Int32Array(8)
  const slab = Buffer.alloc(8 * 16)
  const n = pollRead(ep, events, lengths, slab, 16, 1000)
  t.is(n, 3)
  const got = new Map<number, string | number>()
  for (let i = 0; i < n; i++) got.set(events[2 * i], lengths[i] > 0 ? text(slab, i * 16, lengths[i]) : lengths[i])
  t.is(got.get(conns[0][0]), 'first')
  t.is(got.get(ending), 0, 'end of file')
  t.is(got.get(conns[1][0]), 'third!')
  t.is(read(conns[0][0], slab), WOULD_BLOCK, 'the bytes were taken by pollRead')
})

test('pollRead leaves skipped fds unread (a stop eventfd other loops must see) and times out with 0', (t) => {
  const [[mine, theirs]] = pairs(t, 1)
  const stop = eventfd()
  t.teardown(() => close(stop))
  using ep = new Epoll()
  ep.register(mine, EPOLLIN).register(stop, EPOLLIN)
  const events = new Uint32Array(2 * 4)
  const lengths = new Int32Array(4)
  const slab = Buffer.alloc(4 * 8)
  const skip = new Uint8Array(stop + 1)
  skip[stop] = 1
  t.is(pollRead(ep, events, lengths, slab, 8, 0, skip), 0, 'nothing ready: timeout')
  writeCounter(stop, 5)
  write(theirs, Buffer.from('x'))
  const n = pollRead(ep, events, lengths, slab, 8, 1000, skip)
  t.is(n, 2)
  for (let i = 0; i < n; i++) t.is(lengths[i], events[2 * i] === stop ? NOT_READ : 1)
  t.is(readCounter(stop), 5, 'the eventfd still holds its count')
})

test('pollRead then writeSlots echoes every connection with two calls into the binding', (t) => {
  const conns = pairs(t, 4)
  using ep = new Epoll()
  for (const [mine] of conns) ep.register(mine, EPOLLIN)
  conns.forEach(([, theirs], i) => write(theirs, Buffer.from(`message ${i}`)))
  const events = new Uint32Array(2 * 8)
  const lengths = new Int32Array(8)
  const results = new Int32Array(8)
  const slab = Buffer.alloc(8 * 32)
  const n = pollRead(ep, events, lengths, slab, 32, 1000)
  t.is(n, 4)
  t.is(writeSlots(events, n, lengths, slab, 32, results), 4)
  const buf = Buffer.alloc(32)
  conns.forEach(([, theirs], i) => t.is(text(buf, 0, read(theirs, buf)), `message ${i}`))
  t.deepEqual([...results.subarray(0, n)], [...lengths.subarray(0, n)])
})

test('batch arguments get Node-style errors before anything is read or written', (t) => {
  const [[mine, theirs]] = pairs(t, 1)
  using ep = new Epoll()
  ep.register(mine, EPOLLIN)
  write(theirs, Buffer.from('kept'))
  const fds = Int32Array.of(mine)
  const results = new Int32Array(1)
  t.throws(() => writeMany([mine] as never, 1, results, Buffer.from('x')), { code: 'ERR_INVALID_ARG_TYPE', message: /"fds" argument must be an instance of Int32Array/ })
  t.throws(() => writeMany(fds, 2, results, Buffer.from('x')), { code: 'ERR_OUT_OF_RANGE', message: /The value of "count" is out of range/ })
  t.throws(() => writeMany(fds, 1, results, Buffer.from('x'), 0, 2), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => writeMany(fds, 1, results, 'x' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  const shared = new Int32Array(4)
  t.throws(() => writeMany(shared.subarray(0, 2), 1, shared.subarray(1, 3), Buffer.from('x')), {
    code: 'ERR_INVALID_ARG_VALUE',
    message: /'results' must not share memory with fds/,
  })
  const events = new Uint32Array(4)
  const lengths = new Int32Array(2)
  const slab = Buffer.alloc(16)
  t.throws(() => pollRead({} as never, events, lengths, slab, 8), { code: 'ERR_INVALID_ARG_TYPE', message: /"ep"/ })
  t.throws(() => pollRead(ep, new Int32Array(4) as never, lengths, slab, 8), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => pollRead(ep, events, lengths, slab, 0), { code: 'ERR_OUT_OF_RANGE', message: /"slotSize"/ })
  t.throws(() => pollRead(ep, events, lengths, slab, 17), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => pollRead(ep, events, lengths, slab, 8, Number.NaN), { code: 'ERR_OUT_OF_RANGE', message: /"timeout"/ })
  t.throws(() => pollRead(ep, events, lengths, slab, 8, 0, [1] as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"skip"/ })
  t.throws(() => pollRead(ep, events, lengths, new Uint8Array(events.buffer), 8), { code: 'ERR_INVALID_ARG_VALUE', message: /'events' must not share memory with slab/ })
  t.throws(() => writeSlots(events, 3, lengths, slab, 8, results), { code: 'ERR_OUT_OF_RANGE', message: /"count"/ })
  const closed = new Epoll()
  closed.close()
  t.throws(() => pollRead(closed, events, lengths, slab, 8), { code: 'ERR_EPOLL_CLOSED' })
  t.is(read(mine, slab), 4, 'nothing was read by the refused calls')
})

test('the binding itself refuses arrays that share memory and ranges outside the views', (t) => {
  const [[mine]] = pairs(t, 1)
  const shared = new Int32Array(4)
  t.throws(() => native.writeMany(shared, 2, shared.subarray(1), Buffer.from('x'), 0, 1), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => native.writeMany(Int32Array.of(mine), 2, new Int32Array(2), Buffer.from('x'), 0, 1), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => native.writeMany(Int32Array.of(mine), 1, new Int32Array(1), Buffer.from('x'), 0, 2), { code: 'ERR_OUT_OF_RANGE' })
  const instance = new native.NativeEpoll(true)
  t.teardown(() => instance.close())
  const events = new Uint32Array(4)
  t.throws(() => native.pollRead(instance, events, new Int32Array(2), new Uint8Array(events.buffer), 8, 0, undefined), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => native.pollRead(instance.fd, events, new Int32Array(2), Buffer.alloc(16), 8, 0, undefined), { code: 'ERR_INVALID_ARG_TYPE' }, 'it waits on the instance, not on its fd number')
  t.throws(() => native.writeSlots(events, 1, new Int32Array(1), Buffer.alloc(8), 9, new Int32Array(1)), { code: 'ERR_OUT_OF_RANGE' })
})
