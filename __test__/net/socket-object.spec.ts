import test from 'ava'
import { once } from 'node:events'
import { createSocket } from 'node:dgram'
import { connect as netConnect, createServer } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  accept,
  close,
  Epoll,
  EPOLLIN,
  getBlocking,
  localAddress,
  pipe,
  read,
  recvFrom,
  setSocketOption,
  SO_RCVBUF,
  Socket,
  SOL_SOCKET,
  write,
} from '../../index.js'
import { runFixture } from '../helpers/child.js'

/** Resolves once `socket` is readable (a fresh Epoll each time, closed after). */
async function readable(socket: Socket): Promise<void> {
  const ep = new Epoll()
  try {
    await ep.readable(socket, { timeout: 5000 })
  } finally {
    ep.close()
  }
}

test('a TCP server with Socket: listen, accept [socket, address], recv and send, as a node:net client sees it', async (t) => {
  using listener = Socket.listenTcp(0)
  const { port } = listener.localAddress() as { port: number }
  t.is(listener.accept(), null, 'nothing queued')
  const client = netConnect({ port, host: '127.0.0.1' })
  await once(client, 'connect')
  await readable(listener)
  const accepted = listener.accept()
  if (accepted === null) return t.fail('a connection was queued')
  using conn = accepted[0]
  t.deepEqual(accepted[1], { address: '127.0.0.1', port: client.localPort, family: 'IPv4' })
  t.is(conn.recv(16), null, 'nothing sent yet')
  client.write('hello')
  await readable(conn)
  t.is(conn.recv(16)!.toString(), 'hello')
  t.is(conn.send('world'), 5)
  const [reply] = await once(client, 'data')
  t.is(reply.toString(), 'world')
  client.end()
  await readable(conn)
  t.is(conn.recv(16)!.length, 0, 'end of stream is an empty Buffer')
  const into = new Uint8Array(4)
  t.is(conn.recvInto(into), 0)
})

test('connectTcp to a node:net server, a pair, and unix sockets', async (t) => {
  const server = createServer((s) => s.pipe(s))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  using client = Socket.connectTcp((server.address() as { port: number }).port)
  const ep = new Epoll()
  await ep.writable(client, { timeout: 5000 })
  ep.close()
  t.is(client.send(Buffer.from('echo')), 4)
  await readable(client)
  t.is(client.recv(8)!.toString(), 'echo')
  client.close()
  server.close()

  const [a, b] = Socket.pair('seqpacket')
  a.send('one')
  a.send('two')
  t.is(b.recv(64)!.toString(), 'one', 'boundaries kept')
  t.is(b.recv(64)!.toString(), 'two')
  a.close()
  b.close()

  const dir = mkdtempSync(join(tmpdir(), 'socket-'))
  using unix = Socket.listenUnix(join(dir, 's'))
  using peer = Socket.connectUnix(join(dir, 's'))
  const got = unix.accept()
  t.truthy(got)
  t.deepEqual(got![1], { address: '', port: 0, family: 'unix' })
  got![0].send('x')
  t.is(peer.recv(1)!.toString(), 'x')
  got![0].close()
  rmSync(dir, { recursive: true })
})

test('UDP with Socket: recvFrom { data, address, truncated } and sendTo, against node:dgram', async (t) => {
  using udp = Socket.udp()
  const { port } = udp.localAddress() as { port: number }
  const peer = createSocket('udp4')
  peer.bind(0, '127.0.0.1')
  await once(peer, 'listening')
  t.is(udp.recvFrom(64), null)
  peer.send('ping!', port, '127.0.0.1')
  await readable(udp)
  const got = udp.recvFrom(4)!
  t.is(got.data.toString(), 'ping')
  t.true(got.truncated)
  t.deepEqual(got.address, { address: '127.0.0.1', port: peer.address().port, family: 'IPv4' })
  t.is(udp.sendTo('pong', got.address), 4)
  const [reply] = await once(peer, 'message')
  t.is(reply.toString(), 'pong')
  peer.close()
})

test('new Socket(family, type) as Python makes one; options, blocking mode, fileno, detach and from', (t) => {
  const s = new Socket('IPv4', 'dgram')
  t.true(s.fd >= 0)
  t.is(s.fileno(), s.fd)
  t.false(s.getBlocking())
  s.setBlocking(true)
  t.true(getBlocking(s))
  s.setOption(SOL_SOCKET, SO_RCVBUF, 65536)
  t.true(s.getOption(SOL_SOCKET, SO_RCVBUF) >= 65536)
  setSocketOption(s, SOL_SOCKET, SO_RCVBUF, 32768)
  t.is(Object.prototype.toString.call(s), '[object Socket]')
  const fd = s.detach()
  t.is(s.fd, -1)
  t.is(s.detach(), -1)
  const adopted = Socket.from(fd)
  t.is(adopted.fd, fd)
  adopted.close()
  adopted.close()
  t.is(adopted.fd, -1, 'close is idempotent')
  t.throws(() => Socket.from('3' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => Socket.from(-1), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => new Socket('IPv5' as never), { code: 'ERR_INVALID_ARG_VALUE' })
})

test('a closed Socket handed to any function throws ERR_SOCKET_CLOSED instead of touching a reused number', (t) => {
  const [a, b] = Socket.pair()
  const number = a.fd
  a.close()
  // The number is reused by the next open: nothing may reach it through the closed Socket.
  const [r, w] = pipe()
  t.true(r === number || w === number, 'the kernel reused the number')
  const closed = { code: 'ERR_SOCKET_CLOSED', message: 'Socket is closed' }
  t.throws(() => read(a, Buffer.alloc(1)), closed)
  t.throws(() => write(a, Buffer.from('x')), closed)
  t.throws(() => close(a), closed)
  t.throws(() => accept(a), closed)
  t.throws(() => recvFrom(a, Buffer.alloc(1)), closed)
  t.throws(() => localAddress(a), closed)
  t.throws(() => new Epoll().register(a, EPOLLIN), closed)
  t.throws(() => a.send('x'), closed)
  t.throws(() => a.recv(1), closed)
  t.throws(() => a.accept(), closed)
  t.throws(() => a.fileno(), closed)
  t.throws(() => a.setBlocking(true), closed)
  t.is(write(w, Buffer.from('still mine')), 10, 'the pipe that got the number is untouched')
  for (const fd of [r, w]) close(fd)
  b.close()
})

test("closing a Socket an Epoll watches unregisters it, so its reused number never gets the old handler", async (t) => {
  const ep = new Epoll()
  const [a, b] = Socket.pair()
  const seen: string[] = []
  ep.register(a, EPOLLIN, () => seen.push('old handler'))
  const number = a.fd
  a.close()
  t.false(ep.has(number), 'unregistered before the close')
  // The number comes back as a readable pipe, registered again under a new handler.
  const [r, w] = pipe()
  const reused = r === number ? r : w === number ? w : -1
  t.not(reused, -1, 'the kernel reused the number')
  write(w, Buffer.from('x'))
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.deepEqual(seen, [], 'the old handler never ran')
  ep.close()
  for (const fd of [r, w]) close(fd)
  b.close()
})

test('closing a Socket while a readiness wait is pending on it resolves the wait with 0', async (t) => {
  const ep = new Epoll()
  const [a, b] = Socket.pair()
  const pending = ep.readable(a)
  a.close()
  t.is(await pending, 0)
  t.is(ep.size, 0)
  ep.close()
  b.close()
})

test('a Socket dropped while open has its fd closed by the garbage collector and warns once', (t) => {
  const result = runFixture('socket-leak', [], { nodeArgs: ['--expose-gc'] })
  t.is(result.status, 0, result.stderr)
  const out = JSON.parse(result.stdout) as { fd: number; before: boolean; after: boolean; warnings: { code?: string; message: string }[] }
  t.true(out.before)
  t.false(out.after, 'the fd was closed')
  t.is(out.warnings.length, 1, JSON.stringify(out.warnings))
  t.is(out.warnings[0].code, 'EPOLL_NAPI_SOCKET_LEAK')
  t.regex(out.warnings[0].message, new RegExp(`fd ${out.fd}`))
})
