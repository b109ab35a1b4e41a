import test from 'ava'

import * as epoll from '../../index.js'
import { constants, describeEvents, EPOLLET, EPOLLIN, EPOLLONESHOT, EPOLLRDHUP } from '../../index.js'

// That these are also the core's values (the binding's constantTables().epoll), every one of them, is
// checked by package/constants-agree.spec.ts.

const KERNEL_VALUES = {
  EPOLLIN: 0x1,
  EPOLLPRI: 0x2,
  EPOLLOUT: 0x4,
  EPOLLERR: 0x8,
  EPOLLHUP: 0x10,
  EPOLLRDNORM: 0x40,
  EPOLLRDBAND: 0x80,
  EPOLLWRNORM: 0x100,
  EPOLLWRBAND: 0x200,
  EPOLLMSG: 0x400,
  EPOLLRDHUP: 0x2000,
  EPOLLEXCLUSIVE: 0x10000000,
  EPOLLWAKEUP: 0x20000000,
  EPOLLONESHOT: 0x40000000,
  EPOLLET: 0x80000000,
}

test('every flag is a named export with the kernel value, unsigned', (t) => {
  for (const [name, value] of Object.entries(KERNEL_VALUES)) {
    t.is((epoll as Record<string, unknown>)[name], value, name)
  }
  t.is(EPOLLET, 0x80000000)
  t.true(EPOLLET > 0)
})

test('constants is frozen and holds exactly the flags', (t) => {
  t.deepEqual({ ...constants }, KERNEL_VALUES)
  t.true(Object.isFrozen(constants))
  t.throws(() => Object.defineProperty(constants, 'EPOLLIN', { value: 7 }), { instanceOf: TypeError })
  t.is(constants.EPOLLIN, 1)
})

test('describeEvents names the set bits in bit order', (t) => {
  t.deepEqual(describeEvents(EPOLLIN | EPOLLRDHUP | EPOLLET), ['EPOLLIN', 'EPOLLRDHUP', 'EPOLLET'])
  t.deepEqual(describeEvents(0), [])
  t.deepEqual(describeEvents(EPOLLONESHOT | 0x20), ['EPOLLONESHOT', '0x20'])
})

test('describeEvents accepts the negative int32 that | makes with EPOLLET', (t) => {
  const mask = EPOLLIN | EPOLLET
  t.true(mask < 0)
  t.deepEqual(describeEvents(mask), ['EPOLLIN', 'EPOLLET'])
})

test('describeEvents refuses what is not a mask', (t) => {
  t.throws(() => describeEvents('1' as never), { code: 'ERR_INVALID_ARG_TYPE', instanceOf: TypeError })
  t.throws(() => describeEvents(2 ** 32), { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError })
  t.throws(() => describeEvents(0.5), { code: 'ERR_OUT_OF_RANGE' })
})
