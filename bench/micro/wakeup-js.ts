/**
 * Wake-up latency: a worker thread writes an eventfd; the time until the JS callback runs on the
 * main thread's event loop. `wakeup-js.ts <ours|npm-epoll|node-fifo> <samples>` prints
 * {"p50_us", "p99_us"}. `node-fifo` is Node's own path for reference: a FIFO read by a `net.Socket`
 * (libuv's watcher), written by the worker instead of the eventfd.
 * The writer stamps `process.hrtime.bigint()` (CLOCK_MONOTONIC, the same clock on every thread) just
 * before write(2), waits for the callback's acknowledgement, then pauses 50–250 µs so that each
 * wake-up starts from an idle loop.
 */
import { execFileSync } from 'node:child_process'
import { constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { median, pkg } from './js-fds'

const [variant, samplesArg] = process.argv.slice(2)
const samples = Number(samplesArg)
const warmup = Math.min(200, samples >> 2)
/** The fd the worker writes: an eventfd, or for node-fifo a FIFO opened read-write. */
const efd: number = variant === 'node-fifo' ? openFifo() : pkg.eventfd(0)

function openFifo(): number {
  const dir = mkdtempSync(join(tmpdir(), 'epoll-bench-'))
  execFileSync('mkfifo', [join(dir, 'fifo')])
  const fd = openSync(join(dir, 'fifo'), constants.O_RDWR | constants.O_NONBLOCK)
  rmSync(dir, { recursive: true })
  return fd
}
const shared = new SharedArrayBuffer(16)
const stamp = new BigInt64Array(shared, 0, 1)
const ack = new Int32Array(shared, 8, 1)
const latencies: number[] = []
const counter = Buffer.alloc(8)

const worker = new Worker(
  `
  const { writeSync } = require('node:fs')
  const { workerData } = require('node:worker_threads')
  const { efd, shared, total } = workerData
  const stamp = new BigInt64Array(shared, 0, 1)
  const ack = new Int32Array(shared, 8, 1)
  const pause = new Int32Array(new SharedArrayBuffer(4))
  const one = Buffer.alloc(8)
  one.writeBigUInt64LE(1n)
  for (let i = 0; i < total; i++) {
    Atomics.wait(pause, 0, 0, 0.05 + Math.random() * 0.2)
    Atomics.store(ack, 0, 0)
    stamp[0] = process.hrtime.bigint()
    writeSync(efd, one)
    while (Atomics.wait(ack, 0, 0, 1000) === 'timed-out') {}
  }
  `,
  { eval: true, workerData: { efd, shared, total: samples + warmup } },
)

function onReady(alreadyRead = false): void {
  const now = process.hrtime.bigint()
  if (!alreadyRead) readSync(efd, counter, 0, 8, null)
  latencies.push(Number(now - stamp[0]) / 1000)
  Atomics.store(ack, 0, 1)
  Atomics.notify(ack, 0)
  if (latencies.length === samples + warmup) finish()
}

let stop: () => void
if (variant === 'ours') {
  const ep = new pkg.Epoll()
  ep.register(efd, pkg.EPOLLIN, () => onReady())
  stop = () => ep.close()
} else if (variant === 'npm-epoll') {
  const { Epoll } = require(join(__dirname, '..', '.deps', 'node_modules', 'epoll'))
  const poller = new Epoll((err: Error | null) => {
    if (err) throw err
    onReady()
  })
  poller.add(efd, Epoll.EPOLLIN)
  stop = () => poller.close()
} else if (variant === 'node-fifo') {
  // The worker writes 8 bytes (one eventfd count's worth) per wake-up; libuv reads them before 'data'.
  const socket = new Socket({ fd: efd, readable: true, writable: false })
  socket.on('data', () => onReady(true))
  stop = () => socket.destroy()
} else {
  throw new Error(`unknown variant ${variant}`)
}

function finish(): void {
  stop()
  void worker.terminate()
  const measured = latencies.slice(warmup).sort((a, b) => a - b)
  const p99 = measured[Math.min(measured.length - 1, Math.floor(measured.length * 0.99))]
  console.log(JSON.stringify({ p50_us: Number(median(measured).toFixed(2)), p99_us: Number(p99.toFixed(2)), samples: measured.length }))
}
