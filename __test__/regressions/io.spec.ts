import test from 'ava'

import { close, pipe, read, readv, write, writev } from '../../index.js'
import { runFixture, runNode } from '../helpers/child.js'

// Regressions found by the reliability tests (issue 7's failing tests E, F and G, and the syscall
// named for EMFILE on connect).

/** Runs `fixtures/detach-during-getter.ts` against the package's or the binding's `readv` (see there). */
function detachDuringGetter(target: 'package' | 'binding', trigger: number) {
  const result = runFixture('detach-during-getter', [target, String(trigger)], { nodeArgs: ['--expose-gc'] })
  return JSON.parse(result.stdout) as { outcome: unknown; calls: number; corrupted: number }
}

test.serial('readv reads each element of the array once and never writes into memory freed meanwhile', (t) => {
  // The getter's first run is readv's own check; the views it checked are the ones read into.
  const out = detachDuringGetter('package', 1)
  t.is(out.calls, 1)
  t.is(out.outcome, 'ERR_INVALID_ARG_VALUE', 'the first view was detached by the getter before the call')
  t.is(out.corrupted, 0)
})

test.serial('the native readv takes no pointer before every element is read, so a getter cannot free one', (t) => {
  // Called past the TypeScript layer, the getter runs inside the native call: the detached first
  // view must be seen as detached, not read into through a stale pointer.
  const out = detachDuringGetter('binding', 1)
  t.is(out.calls, 1)
  t.is(out.outcome, 'ERR_INVALID_ARG_VALUE')
  t.is(out.corrupted, 0, `readv returned ${String(out.outcome)} and wrote into ${out.corrupted} unrelated buffer(s)`)
})

test.serial('read and write refuse a DataView on a detached buffer with ERR_INVALID_ARG_VALUE, like other views', (t) => {
  const buffer = new ArrayBuffer(8)
  const view = new DataView(buffer)
  structuredClone(buffer, { transfer: [buffer] })
  const [r, w] = pipe()
  t.teardown(() => [r, w].forEach((fd) => close(fd)))
  t.throws(() => read(r, view), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => write(w, view), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => readv(r, [view]), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => writev(w, [view]), { code: 'ERR_INVALID_ARG_VALUE' })
})

test.serial('readv into no bytes at all is refused like read() of length 0 (0 would mean end of file)', (t) => {
  const [r, w] = pipe()
  t.teardown(() => [r, w].forEach((fd) => close(fd)))
  write(w, Buffer.from('data'))
  t.throws(() => readv(r, []), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => readv(r, [Buffer.alloc(0)]), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => readv(r, [Buffer.alloc(0), new Uint32Array(0)]), { code: 'ERR_OUT_OF_RANGE' })
  const into = Buffer.alloc(8)
  t.is(readv(r, [Buffer.alloc(0), into]), 4, 'an empty view next to a non-empty one is fine')
  t.is(into.toString('utf8', 0, 4), 'data')
  t.is(writev(w, []), 0, 'writing nothing is not ambiguous and stays allowed')
})

test.serial('the native readv refuses no bytes at all too', (t) => {
  const out = runFixture('native-readv-nothing')
  t.deepEqual(JSON.parse(out.stdout), ['ERR_OUT_OF_RANGE', 'ERR_OUT_OF_RANGE'])
})

test.serial("connectTcp out of fds names 'socket' as the failed call, not 'connect'", (t) => {
  const result = runNode(`
    const held = []
    for (;;) { try { held.push(epoll.eventfd()) } catch { break } }
    let out
    try { epoll.connectTcp(9, '127.0.0.1'); out = 'connected' } catch (e) { out = { code: e.code, syscall: e.syscall } }
    console.log(JSON.stringify(out))
  `)
  t.deepEqual(JSON.parse(result.stdout), { code: 'EMFILE', syscall: 'socket' })
})
