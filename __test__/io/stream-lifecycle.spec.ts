import test from 'ava'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fstatSync } from 'node:fs'
import { pipeline } from 'node:stream/promises'

import { close, openStream, pipe, read, socketpair, WOULD_BLOCK, write } from '../../index.js'
import { runNode } from '../helpers/child.js'
import { closeAll } from '../helpers/readiness.js'
import { closed, HashSink, readAll, sha256 } from '../helpers/streams.js'

test('back-pressure: a slow reader of a fast child keeps what is buffered bounded, and loses no byte', async (t) => {
  const [r, w] = pipe()
  // The child writes 16 MB as fast as the pipe takes them.
  const child = spawn('sh', ['-c', 'seq 1 1900000'], { stdio: ['ignore', w, 'inherit'] })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  close(w)
  const highWaterMark = 1 << 16
  const readSize = 1 << 16
  const stream = openStream(r, { highWaterMark, readSize })
  let most = 0
  stream.on('data', () => (most = Math.max(most, stream.readableLength)))
  const sink = new HashSink({ delayMs: 1, highWaterMark: 1 << 14 })
  await pipeline(stream, sink)
  const expected = Buffer.from(Array.from({ length: 1900000 }, (_, i) => `${i + 1}\n`).join(''))
  t.is(sink.bytes, expected.length)
  t.is(sink.digest(), sha256(expected))
  // What the stream holds never exceeds its mark by more than one turn's read.
  t.true(most <= highWaterMark + readSize, `at most ${most} bytes were buffered`)
  t.is(await exited, 0)
})

test('destroy() mid-write: the queued write is dropped, the fd is closed once, and nothing more reaches the peer', async (t) => {
  const [a, b] = socketpair()
  t.teardown(() => closeAll(b))
  const stream = openStream(a)
  let closes = 0
  stream.on('close', () => closes++)
  // Far more than the socket buffers hold: the write waits for EPOLLOUT.
  stream.write(randomBytes(16 << 20))
  await new Promise((resolve) => setImmediate(resolve))
  t.true(stream.writableLength > 0, 'the write is still queued')
  stream.destroy()
  await closed(stream)
  t.is(closes, 1)
  t.is(stream.fd, -1)
  // The peer drains what the kernel took before the close, then sees end of file.
  const buffer = Buffer.alloc(1 << 20)
  let received = 0
  for (;;) {
    const n = read(b, buffer)
    if (n === 0) break
    if (n === WOULD_BLOCK) await new Promise((resolve) => setTimeout(resolve, 5))
    else received += n
  }
  t.true(received < 16 << 20, `the peer got ${received} bytes, not the whole write`)
})

test('close: false leaves the fd open and working after the stream is done with it', async (t) => {
  const [a, b] = socketpair()
  t.teardown(() => closeAll(a, b))
  const stream = openStream(a, { close: false })
  stream.destroy()
  await closed(stream)
  t.is(stream.fd, -1)
  t.notThrows(() => fstatSync(a))
  t.is(write(a, Buffer.from('still mine')), 10)
  const buffer = Buffer.alloc(16)
  t.is(read(b, buffer), 10)
})

test('an error of the fd is a coded system error, and the stream closes once after it', async (t) => {
  const [a, b] = socketpair()
  const stream = openStream(a)
  let closes = 0
  stream.on('close', () => closes++)
  const failed = new Promise<Error & { code?: string; syscall?: string }>((resolve) => stream.once('error', resolve))
  stream.resume()
  // The peer vanishes: the next write meets EPIPE.
  close(b)
  stream.write(Buffer.alloc(1024))
  const error = await failed
  t.is(error.code, 'EPIPE')
  t.is(typeof error.syscall, 'string')
  await closed(stream)
  t.is(closes, 1)
})

test('a stream waiting for data keeps the process alive; unref() lets it exit', (t) => {
  const source = (unref: boolean) => `
    const [r, w] = epoll.pipe()
    const stream = epoll.openStream(r)
    stream.on('data', () => {})
    ${unref ? 'stream.unref()' : "setTimeout(() => { epoll.write(w, Buffer.from('x')); epoll.close(w) }, 200); stream.on('end', () => console.log('ended'))"}
  `
  const kept = runNode(source(false), { timeout: 10_000 })
  t.is(kept.status, 0, kept.stderr)
  t.is(kept.stdout.trim(), 'ended', 'the process waited for the data and the end')
  const let_go = runNode(source(true), { timeout: 10_000 })
  t.is(let_go.status, 0, let_go.stderr)
  t.is(let_go.signal, null, 'it exited by itself')
})

test('every byte of a large exchange in both directions at once, checked by hash', async (t) => {
  const [a, b] = socketpair()
  const left = openStream(a)
  const right = openStream(b)
  const fromLeft = randomBytes(6 << 20)
  const fromRight = randomBytes(5 << 20)
  const atRight = readAll(right)
  const atLeft = readAll(left)
  left.end(fromLeft)
  right.end(fromRight)
  t.is(sha256(await atRight), sha256(fromLeft))
  t.is(sha256(await atLeft), sha256(fromRight))
  await Promise.all([closed(left), closed(right)])
})
