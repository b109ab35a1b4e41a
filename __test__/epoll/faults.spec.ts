/**
 * Faults: signal storms during blocking polls and event-loop waits, closing at awkward moments, fds
 * closed without unregister, workers terminated in the middle of a dispatch, exiting with waits
 * pending, and running out of fds. Each scenario that could crash runs in a child process.
 */
import test from 'ava'
import { spawn, spawnSync } from 'node:child_process'
import { readlinkSync } from 'node:fs'

import { Epoll, EPOLLIN, EPOLLOUT, close, pipe, read, write } from '../../index.js'
import { ROOT, runNode } from '../helpers/child.js'
import { EMULATOR, scaled } from '../helpers/emulation.js'

const WATCHERS = ['libuv', 'thread'] as const

// Under QEMU's user mode a native loop sends signals faster than the emulated process can take them,
// and it then never runs again (seen with qemu-aarch64 7.2: not one handler call in 40 s). There the
// loop pauses half a millisecond between signals: some 300 still arrive each second.
const STORM_PAUSE = EMULATOR ? 'sleep 0.0005' : ':'

/** A shell loop in the child's own process group that sends SIGUSR2 as fast as it can until killed. */
const STORM = `
  const { spawn } = require('node:child_process')
  let received = 0
  process.on('SIGUSR2', () => received++)
  const storm = spawn('sh', ['-c', 'while kill -USR2 ' + process.pid + '; do ${STORM_PAUSE}; done'], { stdio: 'ignore' })
  // Not waiting for the storm's 'exit', and unref'ing it: libuv drops signal messages when its signal
  // pipe is full (a storm fills it while the thread is blocked), and SIGCHLD can be one of them, so
  // the child may never be seen to exit.
  const stopStorm = () => { storm.kill('SIGKILL'); storm.unref(); return new Promise((resolve) => setTimeout(resolve, 50)) }
`

function parse(result: { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }) {
  if (result.status !== 0) throw new Error(`child exited with ${result.status ?? result.signal}:\n${result.stderr}`)
  return JSON.parse(result.stdout.trim().split('\n').pop()!)
}

test('a signal storm during a blocking poll(): no early return, no error, the ready fd still comes', (t) => {
  // The timer must not fire before the idle poll ends: the margin covers arming and registering it,
  // which takes long under an emulator with signals arriving.
  const idle = scaled(200)
  const timer = idle + scaled(100)
  const out = parse(
    runNode(`${STORM}
      const ep = new epoll.Epoll()
      const ms = (since) => Number(process.hrtime.bigint() - since) / 1e6
      setTimeout(() => { // let the storm get going
        const armed = process.hrtime.bigint()
        const timer = epoll.timerfd({ initial: ${timer} })
        ep.register(timer, epoll.EPOLLIN)
        const start = process.hrtime.bigint()
        const idle = ep.poll(${idle}) // nothing is ready before the timer fires
        const idleMs = ms(start)
        const events = ep.poll(-1) // until the timer fires
        const firedMs = ms(armed)
        stopStorm().then(() => setImmediate(() => {
          console.log(JSON.stringify({ idle, idleMs, events, firedMs, received, timer }))
          process.exit(0)
        }))
      }, 50)
    `),
  )
  t.deepEqual(out.idle, [])
  t.true(out.idleMs >= idle, `poll(${idle}) returned after ${out.idleMs} ms`)
  t.deepEqual(out.events, [[out.timer, EPOLLIN]])
  t.true(out.firedMs >= timer, `the blocking poll returned ${out.firedMs} ms after the ${timer} ms timer was armed`)
  t.true(out.received > 0)
  t.log(`${out.received} SIGUSR2 handler calls after the storm`)
})

for (const watcher of WATCHERS) {
  test(`a signal storm during wait() and handlers (${watcher} watcher): exact events, no error`, (t) => {
    const out = parse(
      runNode(`${STORM}
        process.env.EPOLL_NAPI_WATCHER = '${watcher}'
        const ep = new epoll.Epoll()
        const [r, w] = epoll.pipe()
        const timer = epoll.timerfd({ initial: 250 })
        ep.register(r, epoll.EPOLLIN | epoll.EPOLLET)
        const handled = []
        ep.register(timer, epoll.EPOLLIN, (events, fd) => { handled.push([fd, events, epoll.readCounter(fd)]) })
        ;(async () => {
          await new Promise((resolve) => setTimeout(resolve, 20))
          const start = Date.now()
          const empty = await ep.wait({ timeout: 200 })
          const waited = Date.now() - start
          setTimeout(() => epoll.write(w, Buffer.from('x')), 100)
          const batch = await ep.wait()
          await new Promise((resolve) => setTimeout(resolve, 50))
          await stopStorm()
          ep.close()
          console.log(JSON.stringify({ empty, waited, batch, handled, r, timer, received }))
          process.exit(0)
        })().catch((error) => { console.error(error); process.exit(1) })
      `),
    )
    t.deepEqual(out.empty, [])
    t.true(out.waited >= 199, `wait({ timeout: 200 }) resolved after ${out.waited} ms`)
    t.deepEqual(out.batch, [[out.r, EPOLLIN]])
    t.deepEqual(out.handled, [[out.timer, EPOLLIN, 1]], 'the timer handler ran once, for one expiration')
    t.true(out.received > 0)
  })
}

test('closing the instance inside a handler: the rest of the batch is dropped and a pending wait rejects', async (t) => {
  const ep = new Epoll()
  const pipes = [pipe(), pipe(), pipe()]
  t.teardown(() => pipes.flat().forEach((fd) => close(fd)))
  const calls: number[] = []
  for (const [r] of pipes) {
    ep.register(r, EPOLLIN, (_, fd) => {
      calls.push(fd)
      ep.close()
    })
  }
  const [extraR, extraW] = pipe()
  t.teardown(() => [extraR, extraW].forEach((fd) => close(fd)))
  ep.register(extraW, EPOLLOUT) // no handler: its event is for the wait
  const pending = ep.wait().then(
    (events) => ({ events }),
    (error: { code?: string }) => ({ code: error.code }),
  )
  for (const [, w] of pipes) write(w, Buffer.from('x'))
  const settled = await pending
  await new Promise((resolve) => setTimeout(resolve, 50)) // the handlers' batch may come after the wait's
  // Either the wait got the writable pipe first (same batch, before a handler closed), or it was
  // rejected by the close: never an event after the close, never a second handler call.
  t.is(calls.length, 1, 'only the first handler of the batch ran')
  if ('code' in settled) t.is(settled.code, 'ERR_EPOLL_CLOSED')
  else t.deepEqual(settled.events, [[extraW, EPOLLOUT]])
  t.true(ep.closed)
})

test('closing the instance while waits and the async iterator are pending rejects/ends them all at once', async (t) => {
  const ep = new Epoll()
  const waits = [ep.wait(), ep.wait({ timeout: 10_000 }), ep.wait({ signal: new AbortController().signal })]
  const iteration = (async () => {
    const batches = []
    for await (const batch of ep) batches.push(batch)
    return batches
  })()
  setTimeout(() => ep.close(), 10)
  for (const wait of waits) await t.throwsAsync(wait, { code: 'ERR_EPOLL_CLOSED' })
  t.deepEqual(await iteration, [], 'the iterator simply ends')
})

test('an fd closed without unregister whose file lives on elsewhere keeps its registration (documented in SECURITY.md)', async (t) => {
  // The kernel forgets a registration only when the last reference to the file goes away. Here a
  // child process holds a copy of the read end, so closing ours leaves the registration in place,
  // reporting under the old number, which a new pipe now reuses.
  using ep = new Epoll()
  const [oldR, oldW] = pipe()
  ep.register(oldR, EPOLLIN)
  // Killed below; it must outlive the other tests of this file, whose synchronous children can hold the
  // event loop for half a minute under an emulator.
  const holder = spawn('sleep', [String(scaled(30))], { stdio: ['ignore', 'ignore', 'ignore', oldR] })
  t.teardown(() => holder.kill())
  await new Promise((resolve) => holder.once('spawn', resolve))
  const file = (pid: number | 'self', fd: number) => readlinkSync(`/proc/${pid}/fd/${fd}`)
  t.is(file(holder.pid!, 3), file('self', oldR), `the child (exit code ${holder.exitCode}) holds the read end as its fd 3`)
  close(oldR)
  const [newR, newW] = pipe()
  t.teardown(() => [oldW, newR, newW].forEach((fd) => close(fd)))
  t.is(newR, oldR, 'the number was reused')
  write(oldW, Buffer.from('old'))
  t.deepEqual(ep.poll(0), [[newR, EPOLLIN]], "the old pipe's data is reported under the new pipe's number")
  t.is(read(newR, Buffer.alloc(8)), -1, 'though the new pipe has nothing to read')
  t.throws(() => ep.unregister(newR), { code: 'ENOENT' }, 'and unregister cannot reach the old registration')
  t.deepEqual(ep.poll(0), [[newR, EPOLLIN]], 'only closing the instance (or the last copy of the file) ends it')
  holder.kill('SIGKILL')
  await new Promise((resolve) => holder.once('exit', resolve))
  t.deepEqual(ep.poll(0), [], 'once the last copy is gone, the kernel drops the registration')
})

for (const watcher of WATCHERS) {
  test(`terminating a worker in the middle of a dispatch is safe (${watcher} watcher)`, (t) => {
    const result = runNode(
      `
      process.env.EPOLL_NAPI_WATCHER = '${watcher}'
      const { Worker } = require('node:worker_threads')
      const source = ${JSON.stringify(`
        const { parentPort, workerData } = require('node:worker_threads')
        const { Epoll, EPOLLIN, pipe, write } = require(workerData.root)
        const ep = new Epoll()
        const fds = []
        for (let i = 0; i < 50; i++) {
          const [r, w] = pipe()
          write(w, Buffer.from('x'))
          fds.push(r)
          // Every handler of the batch spins: the worker is always inside a dispatch when terminated.
          ep.register(r, EPOLLIN, () => {
            parentPort.postMessage('dispatching')
            const until = Date.now() + 5
            while (Date.now() < until);
          })
        }
        ep.wait()
      `)}
      const root = ${JSON.stringify(ROOT)}
      let exited = 0
      const rounds = 8
      for (let i = 0; i < rounds; i++) {
        const worker = new Worker(source, { eval: true, workerData: { root } })
        worker.once('message', () => worker.terminate())
        worker.on('error', (error) => { console.error(error); process.exit(2) })
        worker.on('exit', () => {
          if (++exited === rounds) {
            // The main thread's own instance still works after all that.
            const ep = new epoll.Epoll()
            const [r, w] = epoll.pipe()
            ep.register(r, epoll.EPOLLIN, () => { console.log(JSON.stringify({ exited, after: 'ok' })); ep.close() })
            epoll.write(w, Buffer.from('x'))
          }
        })
      }
      `,
      { timeout: scaled(60_000) },
    )
    t.is(result.signal, null, result.stderr)
    t.is(result.status, 0, result.stderr)
    t.deepEqual(parse(result), { exited: 8, after: 'ok' })
  })
}

for (const watcher of WATCHERS) {
  test(`exiting with waits pending, from the main thread and from workers, is clean (${watcher} watcher)`, (t) => {
    const result = runNode(
      `
      process.env.EPOLL_NAPI_WATCHER = '${watcher}'
      const { Worker } = require('node:worker_threads')
      const pending = () => {
        const ep = new epoll.Epoll()
        const [r] = epoll.pipe()
        ep.register(r, epoll.EPOLLIN)
        ep.wait()
        ep.wait({ timeout: 60_000 })
        ep.register(epoll.eventfd(), epoll.EPOLLIN, () => {})
      }
      pending()
      const source = ${JSON.stringify(`
        const { workerData } = require('node:worker_threads')
        const { Epoll, EPOLLIN, pipe, eventfd } = require(workerData.root)
        const ep = new Epoll()
        const [r] = pipe()
        ep.register(r, EPOLLIN)
        ep.wait()
        ep.register(eventfd(), EPOLLIN, () => {})
        setTimeout(() => process.exit(7), 20) // a worker's process.exit ends only the worker
      `)}
      const worker = new Worker(source, { eval: true, workerData: { root: ${JSON.stringify(ROOT)} } })
      worker.on('exit', (code) => {
        console.log(JSON.stringify({ worker: code }))
        setTimeout(() => process.exit(0), 20)
      })
      `,
    )
    t.is(result.signal, null, result.stderr)
    t.is(result.status, 0, result.stderr)
    t.deepEqual(parse(result), { worker: 7 })
    t.is(result.stderr, '')
  })
}

/** Runs a CommonJS snippet like `runNode`, in a process allowed only `nofile` open fds. */
function runWithFdLimit(source: string, nofile: number, env: Record<string, string> = {}) {
  const prelude = `const epoll = require(${JSON.stringify(ROOT)});\n`
  const result = spawnSync('sh', ['-c', `ulimit -n ${nofile} && exec "$0" -e "$1"`, process.execPath, prelude + source], {
    encoding: 'utf8',
    timeout: scaled(30_000),
    env: { ...process.env, ...env },
  })
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr }
}

const EXHAUST = `
  const attempt = (fn) => { try { return { ok: fn() } } catch (e) { return { name: e.name, code: e.code, errno: e.errno, syscall: e.syscall } } }
  const held = []
  const exhaust = () => { for (;;) { try { held.push(epoll.eventfd()) } catch (e) { return e } } }
`

test('running out of fds: every call that needs one fails with a clear EMFILE, and works again once fds are free', (t) => {
  const out = parse(
    runWithFdLimit(
      `${EXHAUST}
      exhaust()
      const outcomes = {
        epoll: attempt(() => new epoll.Epoll()),
        pipe: attempt(() => epoll.pipe()),
        socketpair: attempt(() => epoll.socketpair()),
        eventfd: attempt(() => epoll.eventfd()),
        timerfd: attempt(() => epoll.timerfd({ initial: 1 })),
        listenTcp: attempt(() => epoll.listenTcp(0)),
        connectTcp: attempt(() => epoll.connectTcp(1)),
      }
      for (const fd of held.splice(0, 8)) epoll.close(fd)
      const ep = new epoll.Epoll()
      const [r, w] = epoll.pipe()
      ep.register(r, epoll.EPOLLIN)
      epoll.write(w, Buffer.from('x'))
      console.log(JSON.stringify({ outcomes, events: ep.poll(0), r }))
      `,
      64,
    ),
  )
  const emfile = (syscall: string) => ({ name: 'Error', code: 'EMFILE', errno: -24, syscall })
  t.deepEqual(out.outcomes, {
    epoll: emfile('epoll_create1'),
    pipe: emfile('pipe'),
    socketpair: emfile('socketpair'),
    eventfd: emfile('eventfd'),
    timerfd: emfile('timerfd_create'),
    listenTcp: emfile('socket'),
    connectTcp: emfile('socket'),
  })
  t.deepEqual(out.events, [[out.r, EPOLLIN]])
})

test('running out of fds does not disturb an instance that already watches on the event loop (libuv watcher)', (t) => {
  const out = parse(
    runWithFdLimit(
      `${EXHAUST}
      const ep = new epoll.Epoll()
      const [r, w] = epoll.pipe()
      ep.register(r, epoll.EPOLLIN)
      exhaust()
      epoll.write(w, Buffer.from('x'))
      ep.wait({ timeout: 1000 }).then((events) => { console.log(JSON.stringify({ events, r, watcher: ep.watcher })); ep.close() })
      `,
      64,
      { EPOLL_NAPI_WATCHER: 'libuv' },
    ),
  )
  t.deepEqual(out, { events: [[out.r, EPOLLIN]], r: out.r, watcher: 'libuv' })
})
