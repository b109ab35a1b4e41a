import test from 'ava'
// Regression specs for issue 23, items 9 and 10 (TypeScript half): arrays with holes or getters and
// objects that only look like the package's classes reached the native binding, whose napi-rs
// conversion failed with its own status as the error code (`NumberExpected`). The TypeScript layer now
// checks every element and brand-checks every object it hands over: Node's codes and message shapes.

import { close, Epoll, MessageBatch, pipe, pollRead, readv, recvMessages, sendFds, sendMessages, socketpair, write, writeMany, writeSlots, writev } from '../../index.js'

const FD_TYPE = 'of type number or an object with a numeric "fd" property'

function pair(t: { teardown(fn: () => void): void }): [number, number] {
  const fds = socketpair()
  t.teardown(() => fds.forEach((fd) => close(fd)))
  return fds
}

test('item 9: sendFds with a hole in the array is ERR_INVALID_ARG_TYPE naming the element', (t) => {
  const [a] = pair(t)
  const [r, w] = pipe()
  t.teardown(() => [r, w].forEach((fd) => close(fd)))
  // eslint-disable-next-line no-sparse-arrays
  t.throws(() => sendFds(a, [r, , w] as number[]), {
    code: 'ERR_INVALID_ARG_TYPE',
    message: `The "fds[1]" argument must be ${FD_TYPE}. Received undefined`,
  })
  t.throws(() => sendFds(a, new Array(3)), {
    code: 'ERR_INVALID_ARG_TYPE',
    message: `The "fds[0]" argument must be ${FD_TYPE}. Received undefined`,
  })
})

test('item 9: an array element behind a getter is read once; a getter handing back a non-fd is refused', (t) => {
  const [a, b] = pair(t)
  const [r, w] = pipe()
  t.teardown(() => [r, w].forEach((fd) => close(fd)))
  let reads = 0
  const fds: number[] = [r]
  Object.defineProperty(fds, 1, { enumerable: true, get: () => (reads++ === 0 ? w : 'not an fd') })
  t.is(sendFds(a, fds), 1, 'sent with the value the getter gave the first time')
  t.is(reads, 1)
  const lying: unknown[] = []
  Object.defineProperty(lying, 0, { enumerable: true, get: () => 'three' })
  t.throws(() => sendFds(a, lying as number[]), { code: 'ERR_INVALID_ARG_TYPE', message: `The "fds[0]" argument must be ${FD_TYPE}. Received type string ('three')` })
  t.truthy(b)
})

test('item 9: readv and writev with holes are ERR_INVALID_ARG_TYPE naming the element', (t) => {
  const [r, w] = pipe()
  t.teardown(() => [r, w].forEach((fd) => close(fd)))
  const one = Buffer.alloc(1)
  // eslint-disable-next-line no-sparse-arrays
  t.throws(() => writev(w, [one, , one] as Buffer[]), { code: 'ERR_INVALID_ARG_TYPE', message: /^The "buffers\[1\]" argument must be an instance of Buffer, TypedArray, or DataView\. Received undefined$/ })
  t.throws(() => readv(r, new Array(2)), { code: 'ERR_INVALID_ARG_TYPE', message: /^The "buffers\[0\]" argument/ })
})

test('item 10: recvMessages and sendMessages refuse an object that only looks like a MessageBatch', (t) => {
  const [a] = pair(t)
  const forged = Object.create(MessageBatch.prototype) as MessageBatch
  const expected = { code: 'ERR_INVALID_ARG_TYPE', message: 'The "batch" argument must be an instance of MessageBatch. Received an instance of MessageBatch' }
  t.throws(() => recvMessages(a, forged), expected)
  t.throws(() => sendMessages(a, forged), expected)
  // Copied fields do not make a batch either.
  const real = new MessageBatch(2, { slotSize: 16 })
  const copy = Object.setPrototypeOf({ capacity: 2, slotSize: 16, data: real.data, meta: real.meta, addresses: null }, MessageBatch.prototype) as MessageBatch
  t.throws(() => recvMessages(a, copy), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => forged.length(0), { code: 'ERR_INVALID_THIS' })
  t.throws(() => forged.capacity, { code: 'ERR_INVALID_THIS' })
})

test('item 10: a real MessageBatch keeps its memory: a property shadowing its slab changes nothing the kernel writes into', (t) => {
  const [a, b] = pair(t)
  const batch = new MessageBatch(1, { slotSize: 16 })
  const data = batch.data
  t.false(Reflect.set(batch, 'data', new Uint8Array(1)), 'the getter has no setter')
  Object.defineProperty(batch, 'data', { value: new Uint8Array(1) })
  write(b, Buffer.from('hello'))
  t.is(recvMessages(a, batch), 1)
  t.is(Buffer.from(data.subarray(0, 5)).toString(), 'hello', 'received into the memory the constructor allocated')
  t.is(Object.prototype.toString.call(batch), '[object MessageBatch]')
})

test('items 9 and 10: pollRead, writeMany and writeSlots refuse forged instances and fake typed arrays', (t) => {
  using ep = new Epoll()
  const forgedEpoll = Object.create(Epoll.prototype) as Epoll
  const fakeInt32 = Object.create(Int32Array.prototype) as Int32Array
  const fakeUint32 = Object.create(Uint32Array.prototype) as Uint32Array
  const slab = Buffer.alloc(64)
  t.throws(() => pollRead(forgedEpoll, new Uint32Array(2), new Int32Array(1), slab, 64, 0), {
    code: 'ERR_INVALID_ARG_TYPE',
    message: 'The "ep" argument must be an instance of Epoll. Received an instance of Epoll',
  })
  t.throws(() => pollRead(ep, fakeUint32, new Int32Array(1), slab, 64, 0), { code: 'ERR_INVALID_ARG_TYPE', message: /^The "events" argument must be an instance of Uint32Array/ })
  t.throws(() => writeMany(fakeInt32, 0, new Int32Array(1), slab), { code: 'ERR_INVALID_ARG_TYPE', message: /^The "fds" argument must be an instance of Int32Array/ })
  t.throws(() => writeSlots(fakeUint32, 0, new Int32Array(1), slab, 64, new Int32Array(1)), { code: 'ERR_INVALID_ARG_TYPE', message: /^The "pairs" argument/ })
})

test('items 9 and 10: a proxy whose traps throw still gets a coded error for the wrong type', (t) => {
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error('trap')
      },
      getPrototypeOf() {
        throw new Error('trap')
      },
    },
  )
  const [a] = pair(t)
  t.throws(() => recvMessages(a, hostile as MessageBatch), { code: 'ERR_INVALID_ARG_TYPE', message: /Received an object$/ })
})

test('items 9 and 10: views are asked of the engine: a swapped prototype neither breaks a call nor changes its length', (t) => {
  const [r, w] = pipe()
  t.teardown(() => [r, w].forEach((fd) => close(fd)))
  const viewAsBytes = Object.setPrototypeOf(new DataView(new ArrayBuffer(4)), Uint8Array.prototype) as DataView
  const bytesAsView = Object.setPrototypeOf(new Uint8Array(3), DataView.prototype) as Uint8Array
  t.is(write(w, viewAsBytes), 4)
  t.is(write(w, bytesAsView), 3)
  const batch = new MessageBatch(1, { slotSize: 8 })
  batch.set(0, bytesAsView)
  t.is(batch.length(0), 3)
  using ep = new Epoll()
  t.throws(() => ep.pollInto(Object.create(Uint32Array.prototype) as Uint32Array, 0), {
    code: 'ERR_INVALID_ARG_TYPE',
    message: 'The "out" argument must be an instance of Uint32Array. Received an instance of Uint32Array',
  })
})
