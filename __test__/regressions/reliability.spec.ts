import test from 'ava'
// Regression specs for the failures found by trying the package as demanding users would (issue 11):
// each fails on the code before its fix.

import { spawnSync } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

import { Epoll, EPOLLEXCLUSIVE, EPOLLET, EPOLLIN, EPOLLPRI } from '../../index.js'
import { ROOT, runFixture, runNode } from '../helpers/child.js'
import { scaled } from '../helpers/emulation.js'
import { openPipe, settle } from '../helpers/package-pipe.js'
import { testIf } from '../helpers/skip-if.js'

test('nesting instances deeper than the kernel allows is a coded ELOOP, never an abort', (t) => {
  const result = runFixture('nesting-too-deep')
  t.is(result.signal, null, result.stderr)
  t.is(result.status, 0, result.stderr)
  const outcome = JSON.parse(result.stdout) as string[]
  t.true(outcome.includes('ELOOP') || outcome.includes('ELOOP epoll_ctl'), result.stdout)
})

// A timeout already over when the wait armed it (a preempted or emulated thread) used to settle the
// wait from inside wait(), before it was listed: the settled wait stayed listed and kept the watcher
// running for good, and the process never exited. Found by the nesting fixture above under QEMU. A
// signal-like object whose addEventListener throws or calls back at once did the same.
test('a wait settled while it is set up settles once, and leaves nothing keeping the process alive', (t) => {
  const result = runFixture('waits-settled-early', [], { timeout: scaled(20_000) })
  t.is(result.signal, null, `killed after ${scaled(20_000)} ms: something still watches\n${result.stderr}`)
  t.is(result.status, 0, result.stderr)
  const aborted = 'AbortError: The operation was aborted'
  t.deepEqual(JSON.parse(result.stdout), {
    wait: [],
    readable: 0,
    waitAgain: [],
    waitThrowingSignal: 'Error: addEventListener failed',
    readableThrowingSignal: 'Error: addEventListener failed',
    waitSignalCallingAtOnce: aborted,
    readableSignalCallingAtOnce: aborted,
  })
})

test('more instances watching one fd than the kernel has wake-up paths for: coded errors, no abort', (t) => {
  const result = runFixture('wake-up-paths')
  t.is(result.signal, null, result.stderr)
  t.is(result.status, 0, result.stderr)
  const codes = JSON.parse(result.stdout) as Record<string, number>
  t.log(codes)
  t.true(Object.keys(codes).length > 0, 'the kernel refused some watches')
  for (const key of Object.keys(codes)) t.regex(key, /^E[A-Z]+ epoll_ctl$/)
})

test.serial('poll() on an instance with handlers returns the events kept for fds without one', async (t) => {
  using ep = new Epoll()
  using a = openPipe()
  using b = openPipe()
  using c = openPipe()
  ep.register(a.readFd, EPOLLIN, () => {})
  ep.register(b.readFd, EPOLLIN) // level-triggered, no handler
  ep.register(c.readFd, EPOLLIN | EPOLLET) // edge-triggered, no handler
  b.send()
  c.send()
  await settle(30) // the loop dispatched both: kept for wait(), b parked
  const events = ep.poll(100)
  t.deepEqual(
    events.sort((x, y) => x[0] - y[0]),
    [
      [b.readFd, EPOLLIN],
      [c.readFd, EPOLLIN],
    ],
  )
  const out = new Uint32Array(8)
  t.is(ep.pollInto(out, 0), 1, 'the level-triggered fd was re-armed: still readable, reported again')
  t.deepEqual([...out.subarray(0, 2)], [b.readFd, EPOLLIN])
})

test.serial('an EPOLLEXCLUSIVE fd parked while its event is kept can still be modified (EINVAL) and unregistered', async (t) => {
  using ep = new Epoll()
  using stop = openPipe()
  using target = openPipe()
  ep.register(stop.readFd, EPOLLIN, () => {})
  ep.register(target.readFd, EPOLLIN | EPOLLEXCLUSIVE)
  target.send()
  await settle(30)
  const refused = t.throws(() => ep.modify(target.readFd, EPOLLIN)) as NodeJS.ErrnoException
  t.is(refused.code, 'EINVAL')
  t.is(refused.syscall, 'epoll_ctl')
  t.true(ep.has(target.readFd), 'a refused modify keeps the registration')
  t.notThrows(() => ep.unregister(target.readFd))
  t.false(ep.has(target.readFd))
  t.deepEqual(await ep.wait({ timeout: 0 }), [], 'its kept event went with it')
})

test('a failed modify of a closed fd drops its handler: the process exits', (t) => {
  const result = runFixture('modify-closed-fd', [], { timeout: scaled(10_000) })
  t.is(result.signal, null, 'the process exited by itself')
  t.regex(result.stdout, /^(EBADF|ENOENT) 0 false/)
})

for (const timeout of [-1, 60_000]) {
  test(`a worker blocked in poll(${timeout}) stops on terminate(), and process.exit() does not hang`, async (t) => {
    const worker = new Worker(
      `const { Epoll } = require(${JSON.stringify(ROOT)}); const { parentPort } = require('node:worker_threads')
       const ep = new Epoll(); parentPort.postMessage('polling'); ep.poll(${timeout})`,
      { eval: true },
    )
    await new Promise((resolve) => worker.once('message', resolve))
    await new Promise((resolve) => setTimeout(resolve, 50))
    const started = performance.now()
    await worker.terminate()
    const took = performance.now() - started
    t.true(took < scaled(5000), `terminate() took ${took} ms`)
    const exit = runNode(`
      const { Worker } = require('node:worker_threads')
      const w = new Worker('const { Epoll } = require(${JSON.stringify(ROOT)}); new Epoll().poll(${timeout})', { eval: true })
      w.on('online', () => setTimeout(() => process.exit(7), 100))
    `, { timeout: scaled(10_000) })
    t.is(exit.status, 7, exit.stderr)
  })
}

test('pollInto refuses a typed array whose length getter claims more room than it has', (t) => {
  using ep = new Epoll()
  class Lying extends Uint32Array {
    override get length() {
      return 64
    }
  }
  t.throws(() => ep.pollInto(new Lying(1), 0), { code: 'ERR_OUT_OF_RANGE' })
})

test('wait() with a signal whose aborted getter throws returns a rejected promise', async (t) => {
  using ep = new Epoll()
  const signal = Object.defineProperty(new EventTarget(), 'aborted', {
    get(): boolean {
      throw new Error('getter')
    },
  }) as unknown as AbortSignal
  let promise: Promise<unknown> | undefined
  t.notThrows(() => {
    promise = ep.wait({ signal, timeout: 10 })
  })
  await t.throwsAsync(promise!, { message: 'getter' })
})

test('a signal-like object without removeEventListener is refused instead of leaving a wait pending', async (t) => {
  using ep = new Epoll()
  const signal = { aborted: false, addEventListener() {} } as unknown as AbortSignal
  await t.throwsAsync(ep.wait({ signal, timeout: 10 }), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('wait({ timeout }) never resolves before its timeout, and a fraction of a millisecond is kept', async (t) => {
  using ep = new Epoll()
  for (const timeout of [1, 2.5, 5, 0.3]) {
    for (let i = 0; i < 5; i++) {
      const started = performance.now()
      await ep.wait({ timeout })
      const took = performance.now() - started
      t.true(took >= timeout, `wait({ timeout: ${timeout} }) took ${took.toFixed(3)} ms`)
    }
  }
  const started = performance.now()
  await ep.wait({ timeout: 0.3 })
  t.log(`wait({ timeout: 0.3 }) took ${(performance.now() - started).toFixed(3)} ms`)
})

// A private UTS namespace (root only) gives a hostname the test may change.
const utsNamespaceTest = testIf(spawnSync('unshare', ['-u', 'true']).status === 0, 'unshare -u is not permitted here (needs root)')

for (const watcher of ['libuv', 'thread']) {
  utsNamespaceTest(`changes of /proc/sys files reach handlers and wait() (${watcher} watcher)`, (t) => {
    const fixture = join(ROOT, '__test__', 'fixtures', 'proc-sys-change.ts')
    const result = spawnSync('unshare', ['-u', process.execPath, '--import', 'tsx', fixture], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, EPOLL_NAPI_WATCHER: watcher },
    })
    t.is(result.status, 0, result.stderr)
    const out = JSON.parse(result.stdout) as { seen: number[]; batch: number[][]; b: number; watcher: string }
    t.is(out.watcher, 'thread', 'procfs files are watched by a thread that calls epoll_wait directly')
    t.true(out.seen.length >= 1, 'the handler ran')
    t.deepEqual(out.batch.map(([fd]) => fd), [out.b], 'wait() got the other file’s change')
  })
}

test.serial('a /proc file registered after handlers started moves the instance to a direct watcher without losing events', async (t) => {
  using ep = new Epoll()
  using p = openPipe()
  const calls: number[] = []
  ep.register(p.readFd, EPOLLIN | EPOLLET, (events) => calls.push(events))
  t.is(ep.watcher, 'libuv')
  const mounts = openSync('/proc/self/mounts', 'r')
  t.teardown(() => closeSync(mounts))
  ep.register(mounts, EPOLLPRI)
  t.is(ep.watcher, 'thread')
  p.send()
  // The thread watcher hands the batch over through the loop: up to 2 s on a loaded machine, then
  // 30 ms more to see that nothing else arrives.
  for (let waited = 0; calls.length === 0 && waited < 2000; waited += 10) await settle(10)
  await settle(30)
  t.deepEqual(calls, [EPOLLIN], 'handlers keep running on the new watcher')
})
