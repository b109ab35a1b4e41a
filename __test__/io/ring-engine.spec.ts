import test from 'ava'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

import { ioEngine, openStream, pipe, read, socketpair, WOULD_BLOCK, write } from '../../index.js'
import { ROOT } from '../helpers/child.js'
import { scaled } from '../helpers/emulation.js'
import { closeAll } from '../helpers/readiness.js'
import { skipIf } from '../helpers/skip-if.js'
import { closed, readAll } from '../helpers/streams.js'

// This file asks the engine of its own thread: under EPOLL_NAPI_ENGINE=epoll (the second pass of
// npm test) every stream is on epoll, which the tests below say as they check.
const engine = ioEngine()
const wanted = engine.name

/** Runs `source` in a fresh Node with `epoll` bound to the package, `env` added to the environment. */
function runWith(env: Record<string, string>, source: string, wrapper: string[] = []) {
  const argv = [...wrapper, process.execPath, '-e', `const epoll = require(${JSON.stringify(ROOT)});\n${source}`]
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, timeout: scaled(30_000) })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** A child echo over a socketpair stream: prints the engine's name and whether 1 MiB came back whole. */
const ECHO_CHILD = `
const { createHash } = require('node:crypto')
const [a, b] = epoll.socketpair()
const sa = epoll.openStream(a), sb = epoll.openStream(b)
sb.pipe(sb)
const data = require('node:crypto').randomBytes(1 << 20)
const chunks = []
sa.on('data', (c) => chunks.push(c))
sa.on('end', () => {
  const same = Buffer.concat(chunks).equals(data)
  console.log(JSON.stringify({ engine: epoll.ioEngine(), streams: [sa.engine, sb.engine], same }))
  sb.destroy()
})
let got = 0
sa.on('data', (c) => { got += c.length; if (got === data.length) sa.end() })
sa.write(data)
`

/** The seccomp wrapper that refuses io_uring_setup as Docker's default profile does, built with gcc. */
function noIoUring(): string | { missing: string } {
  const out = join(mkdtempSync(join(tmpdir(), 'no-io-uring-')), 'no-io-uring')
  const built = spawnSync('gcc', ['-O2', '-o', out, join(ROOT, '__test__', 'helpers', 'no-io-uring.c')], { encoding: 'utf8' })
  if (built.error !== undefined || built.status !== 0) return { missing: `gcc cannot build the seccomp wrapper (${built.error?.message ?? built.stderr.trim()})` }
  return out
}
const wrapper = noIoUring()
const onRingMachine = wanted === 'io_uring' ? undefined : `this thread's engine is epoll (${engine.reason})`

skipIf(onRingMachine)('where the kernel gives a ring, ioEngine() says io_uring with its setup flags, and stream sockets use it', (t) => {
  t.is(engine.name, 'io_uring')
  t.is(engine.reason, '')
  t.regex(engine.setup, /COOP_TASKRUN/)
  const [a, b] = socketpair()
  const [r, w] = pipe()
  const sockets = openStream(a)
  const pipes = openStream(r)
  t.teardown(() => {
    sockets.destroy()
    pipes.destroy()
    closeAll(b, w)
  })
  t.is(sockets.engine, 'io_uring')
  // Pipes, FIFOs, devices and message sockets stay on epoll: the ring carries stream sockets.
  t.is(pipes.engine, 'epoll')
})

test('EPOLL_NAPI_ENGINE=epoll puts every stream on epoll, says why, and they still echo every byte', (t) => {
  const child = runWith({ EPOLL_NAPI_ENGINE: 'epoll' }, ECHO_CHILD)
  t.is(child.status, 0, child.stderr)
  const report = JSON.parse(child.stdout)
  t.deepEqual(report.engine, { name: 'epoll', reason: 'EPOLL_NAPI_ENGINE=epoll', setup: '' })
  t.deepEqual(report.streams, ['epoll', 'epoll'])
  t.true(report.same)
})

skipIf(typeof wrapper === 'string' ? undefined : wrapper.missing)(
  'where io_uring_setup is refused (a seccomp profile as Docker’s), streams run on epoll, say why, and still echo every byte',
  (t) => {
    const child = runWith({ EPOLL_NAPI_ENGINE: '' }, ECHO_CHILD, [wrapper as string])
    t.is(child.status, 0, child.stderr)
    const report = JSON.parse(child.stdout)
    t.is(report.engine.name, 'epoll')
    t.regex(report.engine.reason, /io_uring_setup was refused.*seccomp/)
    t.deepEqual(report.streams, ['epoll', 'epoll'])
    t.true(report.same)
    t.is(child.stderr, '', 'no warning when io_uring was not asked for')
  },
)

skipIf(typeof wrapper === 'string' ? undefined : wrapper.missing)(
  'EPOLL_NAPI_ENGINE=io_uring where no ring can be had warns once (EPOLL_NAPI_ENGINE_UNAVAILABLE) and runs on epoll',
  (t) => {
    const child = runWith({ EPOLL_NAPI_ENGINE: 'io_uring' }, ECHO_CHILD, [wrapper as string])
    t.is(child.status, 0, child.stderr)
    t.is(JSON.parse(child.stdout).engine.name, 'epoll')
    t.is(child.stderr.match(/\[EPOLL_NAPI_ENGINE_UNAVAILABLE\]/g)?.length, 1, child.stderr)
  },
)

test('an unknown EPOLL_NAPI_ENGINE warns once (EPOLL_NAPI_ENGINE_UNKNOWN) and is read as auto', (t) => {
  const child = runWith({ EPOLL_NAPI_ENGINE: 'kqueue' }, ECHO_CHILD)
  t.is(child.status, 0, child.stderr)
  t.true(JSON.parse(child.stdout).same)
  t.is(child.stderr.match(/\[EPOLL_NAPI_ENGINE_UNKNOWN\] Warning: EPOLL_NAPI_ENGINE="kqueue"/g)?.length, 1, child.stderr)
})

test('a peer that resets the connection fails the stream with a coded ECONNRESET', async (t) => {
  const [a, b] = socketpair()
  const stream = openStream(a)
  stream.resume()
  // Unread bytes on close make the kernel reset instead of ending (a unix socket says ECONNRESET).
  write(a, Buffer.from('unread by b'))
  await new Promise((resolve) => setTimeout(resolve, 20))
  closeAll(b)
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => stream.once('error', resolve))
  t.is(error.code, 'ECONNRESET')
  t.is(error.errno, -104)
  await closed(stream)
  t.is(stream.fd, -1)
})

test.serial('destroying a stream with a receive and a blocked send in flight cancels both: the peer gets end of file, and the reused fd number serves a new stream', async (t) => {
  const [a, b] = socketpair()
  const stream = openStream(a)
  stream.resume()
  // More than the socket buffers hold: the send waits for room the peer never makes.
  stream.write(randomBytes(16 << 20))
  await new Promise((resolve) => setTimeout(resolve, 20))
  const number = stream.fd
  stream.destroy()
  await closed(stream)
  // The peer drains what the kernel took, then sees end of file: the socket really closed.
  const buffer = Buffer.alloc(1 << 20)
  let received = 0
  for (let deadline = Date.now() + scaled(5000); Date.now() < deadline; ) {
    const n = read(b, buffer)
    if (n === 0) break
    if (n === WOULD_BLOCK) await new Promise((resolve) => setTimeout(resolve, 5))
    else received += n
  }
  t.is(read(b, buffer), 0, 'end of file after the drain')
  t.true(received < 16 << 20, `the peer got ${received} bytes, not the whole write`)
  closeAll(b)
  // The number comes back for a later socket (other tests of this file hold numbers too: take
  // pairs until one has it); nothing of the old stream reaches the new one.
  const spare: number[] = []
  let [c, d] = socketpair()
  while (c !== number && d !== number && spare.length < 256) {
    spare.push(c, d)
    ;[c, d] = socketpair()
  }
  closeAll(...spare)
  t.true(c === number || d === number, `fd ${number} is reused (${c}, ${d})`)
  if (d === number) [c, d] = [d, c]
  const fresh = openStream(c)
  const peer = openStream(d)
  peer.end('fresh bytes')
  t.is(String(await readAll(fresh)), 'fresh bytes')
  fresh.destroy()
  await closed(fresh)
})

test('a consumer that throws in a data handler does not cost other streams their data in the same turn', (t) => {
  const child = runWith(
    {},
    `
const pairs = [epoll.socketpair(), epoll.socketpair(), epoll.socketpair()]
const got = []
let thrown = 0
process.on('uncaughtException', (e) => { if (e.message === 'consumer bug') thrown++; else throw e })
const streams = pairs.map(([a], i) => {
  const s = epoll.openStream(a)
  s.on('data', (c) => { got.push(i + ':' + c); if (i === 0) throw new Error('consumer bug') })
  return s
})
// All three peers write before the loop turns: their receives complete in one turn.
setTimeout(() => { for (const [, b] of pairs) epoll.write(b, Buffer.from('x')) }, 20)
setTimeout(() => {
  console.log(JSON.stringify({ got: got.sort(), thrown }))
  for (const s of streams) s.destroy()
  for (const [, b] of pairs) epoll.close(b)
}, 300)
`,
  )
  t.is(child.status, 0, child.stderr)
  t.deepEqual(JSON.parse(child.stdout), { got: ['0:x', '1:x', '2:x'], thrown: 1 })
})

test('a worker with a receive in flight on its own ring terminates cleanly, and the main thread keeps serving', async (t) => {
  const [a, b] = socketpair()
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads')
     const epoll = require(${JSON.stringify(ROOT)})
     const s = epoll.openStream(workerData.fd, { close: false })
     s.resume()
     parentPort.postMessage(s.engine)`,
    { eval: true, workerData: { fd: a } },
  )
  const workerEngine = await new Promise((resolve) => worker.once('message', resolve))
  t.is(workerEngine, wanted)
  t.is(await worker.terminate(), 1)
  const [c, d] = socketpair()
  const here = openStream(c)
  openStream(d).end('still serving')
  t.is(String(await readAll(here)), 'still serving')
  closeAll(a, b)
})

test('more streams receiving at once than the ring has buffers (1,000 arrivals, 256 buffers): every byte still arrives', async (t) => {
  const pairs = Array.from({ length: 1000 }, () => socketpair())
  const streams = pairs.map(([a]) => openStream(a))
  const payloads = pairs.map(() => randomBytes(1024))
  const received = streams.map((stream) => readAll(stream))
  // Every peer writes before the loop turns: all receives complete at once, more than the buffers.
  pairs.forEach(([, b], i) => {
    t.is(write(b, payloads[i]), 1024)
    closeAll(b)
  })
  const got = await Promise.all(received)
  t.true(
    got.every((bytes, i) => Buffer.compare(bytes, payloads[i]) === 0),
    'each stream read its peer’s bytes, whole and in order',
  )
})

skipIf(onRingMachine)(
  'a write whose memory was detached before it left fails that stream with a coded EFAULT, and the other streams of the turn go on',
  async (t) => {
    const [a, b] = socketpair()
    const [c, d] = socketpair()
    const broken = openStream(a)
    const healthy = openStream(c)
    const failed = new Promise<NodeJS.ErrnoException>((resolve) => broken.once('error', resolve))
    const bytes = new Uint8Array(new ArrayBuffer(4096))
    // Queued on the ring (it leaves at the end of this turn), then detached by a transfer.
    broken.write(bytes)
    healthy.write('still here')
    structuredClone(bytes.buffer, { transfer: [bytes.buffer] })
    t.is(bytes.byteLength, 0, 'the view is detached')
    const error = await failed
    t.is(error.code, 'EFAULT')
    t.is(error.syscall, 'send')
    healthy.end()
    t.is(String(await readAll(openStream(d))), 'still here')
    closeAll(b)
    healthy.destroy()
  },
)
