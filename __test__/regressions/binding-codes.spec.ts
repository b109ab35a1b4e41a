/**
 * Issue 23, items 9 and 10 (the binding's half): no napi-rs status name (`NumberExpected`, `InvalidArg`,
 * `GenericFailure`, ...) reaches a caller as a `code`, and no argument makes the binding allocate by a
 * length nobody checked. The TypeScript layer validates first; these call the binding directly, as a
 * user reaching past it could. Each runs in a child process, so that an abort fails the test instead
 * of killing ava.
 */
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import { ROOT, runNode } from '../helpers/child.js'
import { scaled } from '../helpers/emulation.js'

const CHILD = join(ROOT, '__test__', 'helpers', 'fuzz', 'fuzz-child.ts')

test('every binding export, NativeEpoll member (on an instance and a foreign this) and constructor, given each hostile value at each argument position, throws only Node codes, ERR_EPOLL_* codes or errno names', (t) => {
  const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD, 'sweep', '1'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: scaled(240_000),
  })
  t.is(child.signal, null, `the child died of ${child.signal}:\n${child.stderr}`)
  t.is(child.status, 0, child.stderr)
  const summary = JSON.parse(child.stdout.trim().split('\n').pop()!)
  t.true(summary.rejected > 0 && summary.accepted > 0, 'both refused and accepted calls were made')
  t.log(`${summary.calls} calls: ${summary.accepted} accepted, ${summary.rejected} refused`)
})

/** Runs `body` (with `binding`, `a`, `b` a socket pair and `r`, `w` a pipe) in a child; what it threw. */
function thrownInChild(body: string) {
  const result = runNode(
    `
const binding = require(${JSON.stringify(join(ROOT, 'binding.js'))})
const [a, b] = epoll.socketpair('dgram')
const [r, w] = epoll.pipe()
try {
  ${body}
  console.log(JSON.stringify({ threw: false }))
} catch (error) {
  console.log(JSON.stringify({ threw: true, name: error.name, code: error.code, message: error.message }))
}
`,
  )
  return { ...result, outcome: result.status === 0 ? JSON.parse(result.stdout.trim()) : undefined }
}

test('binding.sendFds with a hole in its fds array is ERR_INVALID_ARG_TYPE naming the element', (t) => {
  const { signal, stderr, outcome } = thrownInChild('binding.sendFds(a, [r, , w], Buffer.from("x"))')
  t.is(signal, null, stderr)
  t.like(outcome, { threw: true, name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  t.regex(outcome.message, /"fds\[1\]" argument must be of type number/)
})

test('binding.sendFds with an array of length 2**32 - 1 is ERR_OUT_OF_RANGE before anything is allocated, not an abort', (t) => {
  const { signal, stderr, outcome } = thrownInChild('binding.sendFds(a, new Array(2 ** 32 - 1), Buffer.from("x"))')
  t.is(signal, null, `the child died of ${signal}: ${stderr}`)
  t.like(outcome, { threw: true, name: 'RangeError', code: 'ERR_OUT_OF_RANGE' })
})

test('a napi-rs conversion failure (a string where a number goes) is ERR_INVALID_ARG_TYPE, and a foreign this ERR_INVALID_THIS', (t) => {
  t.like(thrownInChild("binding.socket('x', 1, 0)").outcome, { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  t.like(thrownInChild('binding.listenFds(1n)').outcome, { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  t.like(thrownInChild('Object.getOwnPropertyDescriptor(binding.NativeEpoll.prototype, "fd").get.call({})').outcome, {
    name: 'TypeError',
    code: 'ERR_INVALID_THIS',
  })
  t.like(thrownInChild('binding.pollInto(undefined, new Uint32Array(2), 0)').outcome, {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_TYPE',
  }, 'not the TypeError without a code that napi_check_object_type_tag leaves for undefined')
  t.like(thrownInChild('binding.eventfd(2 ** 40, false)').outcome, { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, 'not wrapped to 0')
})
