import test from 'ava'
import { spawn } from 'node:child_process'

import { Epoll } from '../../index.js'
import { ROOT } from '../helpers/child.js'
import { EMULATOR, scaled } from '../helpers/emulation.js'

/**
 * Runs a snippet in a child Node and resolves with its exit status, or 'alive' if it is still running after
 * `ms` ({@link scaled}: under an emulator the child takes seconds to start).
 */
function exitsWithin(source: string, ms: number, args: string[] = []): Promise<{ outcome: number | 'alive'; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...args, '-e', `const epoll = require(${JSON.stringify(ROOT)});\n${source}`])
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve({ outcome: 'alive', stdout, stderr })
    }, scaled(ms))
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ outcome: code ?? -1, stdout, stderr })
    })
  })
}

const setup = `const { Epoll, EPOLLIN, pipe, write } = epoll; const [r, w] = pipe(); const ep = new Epoll();`

test('an instance with a handler keeps the process alive, like a server', async (t) => {
  t.is((await exitsWithin(`${setup} ep.register(r, EPOLLIN, () => {})`, 1500)).outcome, 'alive')
})

test('unref() lets the process exit while a handler is registered', async (t) => {
  const result = await exitsWithin(`${setup} ep.register(r, EPOLLIN, () => {}).unref()`, 5000)
  t.is(result.outcome, 0, result.stderr)
})

test('a pending wait keeps the process alive; with unref() it does not', async (t) => {
  t.is((await exitsWithin(`${setup} ep.register(r, EPOLLIN); ep.wait()`, 1500)).outcome, 'alive')
  const result = await exitsWithin(`${setup} ep.register(r, EPOLLIN); ep.unref().wait({ timeout: 60000 })`, 5000)
  t.is(result.outcome, 0, result.stderr)
})

test('removing the last handler, or closing, lets the process exit', async (t) => {
  const unregistered = await exitsWithin(`${setup} ep.register(r, EPOLLIN, () => {}); setTimeout(() => ep.unregister(r), 50)`, 5000)
  t.is(unregistered.outcome, 0, unregistered.stderr)
  const closed = await exitsWithin(`${setup} ep.register(r, EPOLLIN, () => {}); setTimeout(() => ep.close(), 50)`, 5000)
  t.is(closed.outcome, 0, closed.stderr)
})

test('ref() after unref() keeps it alive again; both are idempotent and chainable', async (t) => {
  t.is((await exitsWithin(`${setup} ep.register(r, EPOLLIN, () => {}).unref().unref().ref().ref()`, 1500)).outcome, 'alive')
  using ep = new Epoll()
  t.true(ep.hasRef())
  t.is(ep.unref(), ep)
  t.false(ep.unref().hasRef())
  t.true(ep.ref().hasRef())
})

test('a handler delivering the last event and closing lets the process exit normally', async (t) => {
  const result = await exitsWithin(
    `${setup} ep.register(r, EPOLLIN, () => { console.log('served'); ep.close() }); write(w, Buffer.from('x'))`,
    5000,
  )
  t.is(result.outcome, 0, result.stderr)
  t.is(result.stdout.trim(), 'served')
})

test('an unreachable idle instance that had watched is collected and closes its fd', async (t) => {
  const result = await exitsWithin(
    `
    const { readdirSync } = require('node:fs')
    const count = () => readdirSync('/proc/self/fd').length
    const before = count()
    // In a function of its own, so that no frame still holds the last instance.
    async function churn() {
      for (let i = 0; i < 50; i++) {
        const ep = new epoll.Epoll()
        await ep.wait({ timeout: 0 }) // creates the watcher, then goes idle
      }
    }
    ;(async () => {
      await churn()
      const created = count() - before
      for (let i = 0; i < 30 && count() > before; i++) {
        global.gc()
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      console.log(JSON.stringify({ created, left: count() - before }))
    })()
  `,
    20_000,
    ['--expose-gc'],
  )
  if (!t.is(result.outcome, 0, result.stderr)) return
  const { left } = JSON.parse(result.stdout)
  t.is(left, 0)
})

test('a ready level-triggered fd nobody consumes does not make the process spin', async (t) => {
  // Two cases: no consumer at all, and a handler on another fd keeping the instance watching.
  const result = await exitsWithin(
    `
    ${setup}
    const [r2, w2] = pipe()
    ep.register(r, EPOLLIN)            // level-triggered, never read
    write(w, Buffer.from('x'))
    ep.register(r2, EPOLLIN, () => {}) // keeps the watcher active
    setTimeout(() => {}, 10)           // let the first batch be dispatched
    const start = process.cpuUsage()
    const wall = performance.now()
    setTimeout(() => {
      const used = process.cpuUsage(start)
      console.log(JSON.stringify({ cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall }))
      process.exit(0)
    }, 1000)
  `,
    10_000,
  )
  if (!t.is(result.outcome, 0, result.stderr)) return
  const { cpuMs, wallMs } = JSON.parse(result.stdout)
  t.log(`${cpuMs.toFixed(1)} ms CPU over ${wallMs.toFixed(0)} ms`)
  // A spinning process burns the whole second. An idle one under an emulator still spends up to about
  // 150 ms in QEMU (measured with Node 22 on arm64), translating the code that runs the timers.
  const limit = EMULATOR ? 500 : 100
  t.true(cpuMs < limit, `${cpuMs} ms of CPU in one idle second`)
})

test('the event stays available: a parked level-triggered fd is delivered to the next wait', async (t) => {
  const result = await exitsWithin(
    `
    ${setup}
    const [r2] = pipe()
    ep.register(r, EPOLLIN)
    ep.register(r2, EPOLLIN, () => {})
    write(w, Buffer.from('x'))
    setTimeout(async () => {
      const first = await ep.wait({ timeout: 1000 })
      const second = await ep.wait({ timeout: 1000 })
      console.log(JSON.stringify({ first, second, r }))
      ep.close()
    }, 100)
  `,
    10_000,
  )
  if (!t.is(result.outcome, 0, result.stderr)) return
  const { first, second, r } = JSON.parse(result.stdout)
  t.deepEqual(first, [[r, 1]])
  t.deepEqual(second, [[r, 1]], 'still unread, so still ready: level-triggered')
})

test('waits settled early by events leave timers and immediates working, and the process exits', async (t) => {
  const result = await exitsWithin(
    `
    ${setup}
    ep.register(r, EPOLLIN | epoll.EPOLLET)
    ;(async () => {
      for (let i = 0; i < 100; i++) {
        const pending = ep.wait({ timeout: 10_000 })
        write(w, Buffer.from('x'))
        await pending
        await ep.wait({ timeout: 0 })
      }
      await new Promise((resolve) => setImmediate(resolve))
      await new Promise((resolve) => setTimeout(resolve, 1))
      console.log('done')
    })()
  `,
    10_000,
  )
  t.is(result.outcome, 0, result.stderr)
  t.is(result.stdout.trim(), 'done')
})
