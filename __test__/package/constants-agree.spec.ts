import test from 'ava'

import * as epoll from '../../index.js'
import { inotifyConstants, ioctlConstants } from '../../index.js'
import { ROOT } from '../helpers/child.js'

test('the TypeScript IN_* flags are the Rust core table, name for name', (t) => {
  const binding = require(`${ROOT}/binding.js`)
  t.deepEqual(binding.inotifyTable(), { ...inotifyConstants })
})

test('the TypeScript IOC_* layout is the one of this build (the generic layout on x86, arm, riscv)', (t) => {
  const binding = require(`${ROOT}/binding.js`)
  t.deepEqual(binding.ioctlTable(), { ...ioctlConstants })
})

test('each IN_* and IOC_* constant is a named export, and the tables are frozen', (t) => {
  for (const [name, value] of Object.entries({ ...inotifyConstants, ...ioctlConstants })) {
    t.is((epoll as Record<string, unknown>)[name], value, name)
  }
  t.true(Object.isFrozen(inotifyConstants))
  t.true(Object.isFrozen(ioctlConstants))
  t.is(epoll.IN_ONESHOT, 0x80000000, 'unsigned, like EPOLLET')
  t.is(epoll.IN_CLOSE, epoll.IN_CLOSE_WRITE | epoll.IN_CLOSE_NOWRITE)
})
