import test from 'ava'
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, constants, fstatSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { constants as osConstants, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

import { eventfd, openStream, pipe, socketpair, writeCounter } from '../../index.js'
import { closeAll } from '../helpers/readiness.js'
import { closed, HashSink, readAll, sha256 } from '../helpers/streams.js'

test('a pipe as two streams: 8 MiB through pipeline arrive whole and in order, and both fds are closed once', async (t) => {
  const [r, w] = pipe()
  const data = randomBytes(8 << 20)
  const reader = openStream(r)
  const writer = openStream(w)
  t.false(reader.writable, 'a read end has no writable side')
  t.false(writer.readable, 'a write end has no readable side')
  const sink = new HashSink()
  const done = pipeline(reader, sink)
  writer.end(data)
  await done
  await Promise.all([closed(reader), closed(writer)])
  t.is(sink.bytes, data.length)
  t.is(sink.digest(), sha256(data))
  t.is(reader.fd, -1)
  t.is(writer.fd, -1)
})

test('a FIFO written by a child shell: its text arrives and the stream ends when the child closes it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'epoll-napi-stream-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'fifo')
  execFileSync('mkfifo', [path])
  // Opened for reading before any writer exists: reads say end of file until one comes, so the
  // stream must wait for the first edge instead of reading at once.
  const stream = openStream(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK))
  const child = spawn('sh', ['-c', `sleep 0.1; { echo 'hello from the fifo'; seq 1 20000; } > "$1"`, 'sh', path], { stdio: 'ignore' })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  const expected = `hello from the fifo\n${Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join('')}`
  t.is(sha256(Buffer.concat(chunks)), sha256(Buffer.from(expected)))
  t.is(await exited, 0)
})

test('a stream socket pair: one side echoes with pipeline(stream, stream), the other gets every byte back', async (t) => {
  const [a, b] = socketpair()
  const echo = openStream(a)
  const client = openStream(b)
  const echoed = pipeline(echo, echo)
  const data = randomBytes(3 << 20)
  const sink = new HashSink()
  const received = pipeline(client, sink)
  client.end(data)
  await Promise.all([echoed, received])
  t.is(sink.digest(), sha256(data))
  await Promise.all([closed(echo), closed(client)])
})

test('end() on a socket shuts its writing half down: the peer sees end of file and can still answer', async (t) => {
  const [a, b] = socketpair()
  const asker = openStream(a, { allowHalfOpen: true })
  const answerer = openStream(b, { allowHalfOpen: true })
  const answer = readAll(asker)
  asker.end('question')
  t.is((await readAll(answerer)).toString(), 'question')
  answerer.end('answer')
  t.is((await answer).toString(), 'answer')
  await Promise.all([closed(asker), closed(answerer)])
})

test('Readable.toWeb ends when the peer ends (allowHalfOpen is false by default, as for net.Socket)', async (t) => {
  const [a, b] = socketpair()
  const stream = openStream(a)
  const peer = openStream(b)
  // The peer reads too, or it would never see the end that closes it.
  peer.resume()
  peer.end('web bytes')
  const web = Readable.toWeb(stream) as ReadableStream<Uint8Array>
  const parts: Uint8Array[] = []
  for await (const part of web) parts.push(part)
  t.is(Buffer.concat(parts).toString(), 'web bytes')
  await Promise.all([closed(stream), closed(peer)])
})

test('a seqpacket pair keeps message boundaries through the stream: one chunk per message, a 0-byte one included', async (t) => {
  const [a, b] = socketpair('seqpacket')
  const sender = openStream(a)
  const receiver = openStream(b)
  t.true(sender.messages)
  t.true(receiver.readableObjectMode)
  const messages = [randomBytes(1), randomBytes(1000), Buffer.alloc(0), randomBytes(60000), randomBytes(7)]
  for (const message of messages) sender.write(message)
  sender.end()
  // The sender reads too: the receiver's close, after its end, is what ends and closes the sender.
  sender.resume()
  const got: Buffer[] = []
  for await (const message of receiver) got.push(message as Buffer)
  t.deepEqual(
    got.map((m) => m.length),
    messages.map((m) => m.length),
  )
  t.deepEqual(got.map((m) => sha256(m)), messages.map((m) => sha256(m)))
  await Promise.all([closed(sender), closed(receiver)])
})

test('an eventfd reads as raw bytes: each counter read is one 8-byte chunk', async (t) => {
  const fd = eventfd()
  const stream = openStream(fd, { close: true })
  const chunk = new Promise<Buffer>((resolve) => stream.once('data', resolve))
  writeCounter(fd, 42)
  const bytes = await chunk
  t.is(bytes.length, 8)
  t.is(bytes.readBigUInt64LE(), 42n)
  stream.destroy()
  await closed(stream)
})

test('a regular file is refused with EPERM that points to fs.createReadStream, and the fd stays open', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'epoll-napi-stream-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'file'), 'contents')
  const fd = openSync(join(dir, 'file'), constants.O_RDONLY | constants.O_NONBLOCK)
  t.teardown(() => closeSync(fd))
  const error = t.throws(() => openStream(fd), { code: 'EPERM' }) as Error & { syscall: string; errno: number }
  t.is(error.syscall, 'epoll_ctl')
  t.is(error.errno, -osConstants.errno.EPERM)
  t.regex(error.message, /fs\.createReadStream/)
  t.notThrows(() => fstatSync(fd))
})

test('a blocking fd is refused before anything happens: a read on it would stop the event loop', (t) => {
  const [r, w] = pipe()
  t.teardown(() => closeAll(r, w))
  const blocking = openSync(`/proc/self/fd/${r}`, constants.O_RDONLY)
  t.teardown(() => closeSync(blocking))
  t.throws(() => openStream(blocking), { code: 'ERR_INVALID_ARG_VALUE', message: /non-blocking/ })
})

test('bad arguments are coded errors', (t) => {
  t.throws(() => openStream(-1), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => openStream('3' as unknown as number), { code: 'ERR_INVALID_ARG_TYPE' })
  const [r, w] = pipe()
  t.teardown(() => closeAll(r, w))
  t.throws(() => openStream(r, { close: 1 as unknown as boolean }), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => openStream(r, { readSize: 0 }), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => openStream(r, { highWaterMark: -1 }), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => openStream(r, { messages: 'yes' as unknown as boolean }), { code: 'ERR_INVALID_ARG_TYPE' })
})
