import test from 'ava'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { accept, bind, connect, listen, localAddress, read, recvFrom, remoteAddress, sendTo, socket, socketpair, write } from '../../index.js'
import { receive, until } from '../helpers/datagrams.js'
import { throwsSystemError } from '../helpers/errors.js'
import { closeAll, fdFlags } from '../helpers/readiness.js'

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'epoll-napi-dgram-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('unix datagram sockets on paths: the receiver sees the sender path and replies to it as it came', async (t) => {
  const dir = tempDir(t)
  const [serverPath, clientPath] = [join(dir, 'server.sock'), join(dir, 'client.sock')]
  const server = socket('unix', 'dgram')
  const client = socket('unix', 'dgram')
  t.teardown(() => closeAll(server, client))
  bind(server, { path: serverPath })
  bind(client, { path: clientPath })
  t.true(statSync(serverPath).isSocket())
  t.deepEqual(localAddress(server), { address: serverPath, port: 0, family: 'unix' })
  t.is(sendTo(client, Buffer.from('notify: READY=1'), { path: serverPath }), 15)
  const buffer = Buffer.alloc(64)
  const got = await receive(server, buffer)
  t.is(buffer.subarray(0, got.bytes).toString(), 'notify: READY=1')
  t.deepEqual(got.address, { address: clientPath, port: 0, family: 'unix' })
  sendTo(server, Buffer.from('ack'), got.address)
  const reply = await receive(client, buffer)
  t.is(buffer.subarray(0, reply.bytes).toString(), 'ack')
  t.deepEqual(reply.address, { address: serverPath, port: 0, family: 'unix' })
})

test('an abstract unix datagram name has no file and round-trips through its address', async (t) => {
  const name = `\0epoll-napi-test-${process.pid}-${Date.now()}`
  const server = socket('unix', 'dgram')
  t.teardown(() => closeAll(server))
  bind(server, { path: name })
  t.deepEqual(localAddress(server), { address: name, port: 0, family: 'unix' })
  const sender = socket('unix', 'dgram')
  t.teardown(() => closeAll(sender))
  sendTo(sender, Buffer.from('abstract'), localAddress(server))
  const buffer = Buffer.alloc(16)
  const got = await receive(server, buffer)
  t.is(buffer.subarray(0, got.bytes).toString(), 'abstract')
  t.deepEqual(got.address, { address: '', port: 0, family: 'unix' }, 'an unbound sender is unnamed')
})

test('sending to a path where nothing listens is ENOENT from sendto; to a full name that is too long, ENAMETOOLONG', (t) => {
  const fd = socket('unix', 'dgram')
  t.teardown(() => closeAll(fd))
  throwsSystemError(t, () => sendTo(fd, Buffer.from('x'), { path: join(tmpdir(), `nothing-here-${process.pid}`) }), 'ENOENT', 'sendto')
  throwsSystemError(t, () => sendTo(fd, Buffer.from('x'), { path: `/tmp/${'x'.repeat(200)}` }), 'ENAMETOOLONG', 'sendto')
})

test('a seqpacket pair keeps message boundaries; a stream pair does not', async (t) => {
  const [a, b] = socketpair('seqpacket')
  const [c, d] = socketpair('stream')
  t.teardown(() => closeAll(a, b, c, d))
  t.deepEqual(fdFlags(a), { nonBlocking: true, closeOnExec: true })
  for (const message of ['one', 'two', 'three']) {
    write(a, Buffer.from(message))
    write(c, Buffer.from(message))
  }
  const buffer = Buffer.alloc(64)
  const messages = []
  for (let i = 0; i < 3; i++) messages.push(buffer.subarray(0, await until(() => read(b, buffer))).toString())
  t.deepEqual(messages, ['one', 'two', 'three'])
  t.is(buffer.subarray(0, await until(() => read(d, buffer))).toString(), 'onetwothree')
})

test('a datagram pair: 0-byte and truncated messages, and the peer is unnamed', async (t) => {
  const [a, b] = socketpair('dgram')
  t.teardown(() => closeAll(a, b))
  sendTo(a, Buffer.alloc(0))
  sendTo(a, Buffer.from('0123456789'))
  const buffer = Buffer.alloc(4)
  const empty = await receive(b, buffer)
  t.deepEqual([empty.bytes, empty.truncated], [0, false])
  t.deepEqual(empty.address, { address: '', port: 0, family: 'unix' })
  const cut = await receive(b, buffer)
  t.deepEqual([cut.bytes, cut.truncated, buffer.toString()], [4, true, '0123'])
  t.is(recvFrom(b, buffer), null)
})

test('a unix seqpacket listener built from socket, bind and listen accepts a connection', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'seq.sock')
  const listener = socket('unix', 'seqpacket')
  t.teardown(() => closeAll(listener))
  bind(listener, { path })
  listen(listener, 4)
  const client = socket('unix', 'seqpacket')
  t.teardown(() => closeAll(client))
  t.true(connect(client, { path }))
  const conn = await until(() => accept(listener))
  t.teardown(() => closeAll(conn))
  t.deepEqual(remoteAddress(client), { address: path, port: 0, family: 'unix' })
  write(client, Buffer.from('first'))
  write(client, Buffer.from('second'))
  const buffer = Buffer.alloc(16)
  t.is(buffer.subarray(0, await until(() => read(conn, buffer))).toString(), 'first')
  t.is(buffer.subarray(0, await until(() => read(conn, buffer))).toString(), 'second')
})
