import test from 'ava'
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { constants } from 'node:os'
import { setImmediate as turn } from 'node:timers/promises'

import {
  EPOLLERR,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  Epoll,
  WOULD_BLOCK,
  accept,
  close,
  connectTcp,
  listenTcp,
  localAddress,
  read,
  remoteAddress,
  setNoDelay,
  shutdown,
  socketError,
  write,
} from '../../index.js'
import { throwsSystemError } from '../helpers/errors.js'
import { closeAll, eventually, fdFlags, readExactly, readiness } from '../helpers/readiness.js'
import { testIf } from '../helpers/skip-if.js'

/** A listener on a free loopback port, a node:net client connected to it, and our accepted fd. */
async function acceptedPair(options: { allowHalfOpen?: boolean } = {}) {
  const listener = listenTcp(0)
  const { port } = localAddress(listener)
  const client = connect({ port, host: '127.0.0.1', allowHalfOpen: options.allowHalfOpen })
  await once(client, 'connect')
  const fd = await eventually(() => accept(listener))
  return { listener, port, client, fd }
}

function received(socket: Socket): () => Buffer {
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  return () => Buffer.concat(chunks)
}

async function until(condition: () => boolean): Promise<void> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > 5_000) throw new Error('condition not met within 5 s')
    await turn()
  }
}

test('accept returns WOULD_BLOCK until a node:net client connects, then its non-blocking close-on-exec fd', async (t) => {
  using ep = new Epoll()
  const listener = listenTcp(0)
  t.teardown(() => closeAll(listener))
  t.is(accept(listener), WOULD_BLOCK)
  ep.register(listener, EPOLLIN)
  const { port } = localAddress(listener)
  const client = connect({ port, host: '127.0.0.1' })
  t.teardown(() => client.destroy())
  await readiness(ep, listener, EPOLLIN)
  const fd = accept(listener)
  t.teardown(() => closeAll(fd))
  t.true(fd >= 0)
  t.deepEqual(fdFlags(fd), { nonBlocking: true, closeOnExec: true })
  t.deepEqual(fdFlags(listener), { nonBlocking: true, closeOnExec: true })
  await once(client, 'connect')
  t.deepEqual(remoteAddress(fd), { address: '127.0.0.1', port: client.localPort!, family: 'IPv4' })
  t.deepEqual(localAddress(fd), { address: '127.0.0.1', port, family: 'IPv4' })
})

test('bytes flow both ways between our fd and a node:net client', async (t) => {
  const { listener, client, fd } = await acceptedPair()
  t.teardown(() => (client.destroy(), closeAll(listener, fd)))
  const got = received(client)
  client.write('ping')
  t.is((await readExactly(fd, 4)).toString(), 'ping')
  t.is(write(fd, Buffer.from('pong')), 4)
  await until(() => got().length === 4)
  t.is(got().toString(), 'pong')
})

test('small buffers read a large message in parts, at any offset of the buffer, every byte in order', async (t) => {
  const { listener, client, fd } = await acceptedPair()
  t.teardown(() => (client.destroy(), closeAll(listener, fd)))
  const message = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff))
  client.write(message)
  const buffer = Buffer.alloc(1_000)
  const parts: Buffer[] = []
  let total = 0
  while (total < message.length) {
    const n = await eventually(() => read(fd, buffer, 10, 333))
    t.true(n > 0 && n <= 333)
    parts.push(Buffer.from(buffer.subarray(10, 10 + n)))
    total += n
  }
  t.true(parts.length >= 301)
  t.true(Buffer.concat(parts).equals(message))
})

test('writes are partial, then WOULD_BLOCK, while the node:net peer does not read; EPOLLOUT returns when it does', async (t) => {
  using ep = new Epoll()
  const { listener, client, fd } = await acceptedPair()
  t.teardown(() => (client.destroy(), closeAll(listener, fd)))
  client.pause()
  const chunk = Buffer.alloc(1 << 20, 0x5a)
  let written = 0
  for (let n = write(fd, chunk); n !== WOULD_BLOCK; n = write(fd, chunk)) written += n
  t.true(written > 0, 'some bytes fit in the socket buffers')
  ep.register(fd, EPOLLOUT)
  t.deepEqual(ep.poll(0), [], 'not writable while the peer does not read')
  let got = 0
  client.on('data', (data: Buffer) => (got += data.length))
  client.resume()
  await readiness(ep, fd, EPOLLOUT)
  await until(() => got === written)
  t.is(got, written)
})

test('a node:net client that ends its side: EPOLLRDHUP, then read returns 0 (EOF) while we can still write', async (t) => {
  using ep = new Epoll()
  const { listener, client, fd } = await acceptedPair({ allowHalfOpen: true })
  t.teardown(() => (client.destroy(), closeAll(listener, fd)))
  const got = received(client)
  ep.register(fd, EPOLLIN | EPOLLRDHUP)
  client.end('last words')
  const events = await readiness(ep, fd, EPOLLRDHUP)
  t.true((events & EPOLLIN) !== 0)
  t.is((await readExactly(fd, 10)).toString(), 'last words')
  t.is(read(fd, Buffer.alloc(16)), 0)
  t.is(write(fd, Buffer.from('reply')), 5, 'the other half is still open')
  shutdown(fd, 'write')
  await once(client, 'end')
  t.is(got().toString(), 'reply')
})

test("shutdown('write') is 'end' for the node:net peer; close makes it see the connection closed", async (t) => {
  const { listener, client, fd } = await acceptedPair({ allowHalfOpen: true })
  t.teardown(() => (client.destroy(), closeAll(listener)))
  const ended = once(client, 'end')
  shutdown(fd, 'write')
  await ended
  client.write('still open')
  t.is((await readExactly(fd, 10)).toString(), 'still open')
  close(fd)
  client.end()
  await once(client, 'close')
  t.pass()
})

test('a node:net client that resets the connection: read throws ECONNRESET', async (t) => {
  using ep = new Epoll()
  const { listener, client, fd } = await acceptedPair()
  t.teardown(() => closeAll(listener, fd))
  ep.register(fd, EPOLLIN)
  client.resetAndDestroy()
  const events = await readiness(ep, fd, EPOLLIN | EPOLLERR)
  t.true((events & EPOLLIN) !== 0)
  const error = throwsSystemError(t, () => read(fd, Buffer.alloc(8)), 'ECONNRESET', 'read')
  t.is(error?.errno, -constants.errno.ECONNRESET)
  t.throws(() => write(fd, Buffer.from('x')), { code: 'EPIPE' }, 'the connection is gone for writing too')
})

async function netServer(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, port: (server.address() as { port: number }).port }
}

test('connectTcp to a node:net server: writable once connected, socketError 0, bytes flow both ways', async (t) => {
  using ep = new Epoll()
  const { server, port } = await netServer((socket) => socket.pipe(socket))
  t.teardown(() => server.close())
  const fd = connectTcp(port)
  t.teardown(() => closeAll(fd))
  t.deepEqual(fdFlags(fd), { nonBlocking: true, closeOnExec: true })
  ep.register(fd, EPOLLOUT)
  await readiness(ep, fd, EPOLLOUT)
  t.is(socketError(fd), 0)
  t.is(remoteAddress(fd).port, port)
  setNoDelay(fd)
  t.is(write(fd, Buffer.from('echo me')), 7)
  t.is((await readExactly(fd, 7)).toString(), 'echo me')
})

test('connectTcp to a port nobody listens on: EPOLLERR and socketError() is ECONNREFUSED', async (t) => {
  using ep = new Epoll()
  const closed = listenTcp(0)
  const { port } = localAddress(closed)
  close(closed)
  const fd = connectTcp(port)
  t.teardown(() => closeAll(fd))
  ep.register(fd, EPOLLOUT)
  const events = await readiness(ep, fd, EPOLLOUT | EPOLLERR)
  t.true((events & EPOLLERR) !== 0)
  t.is(socketError(fd), constants.errno.ECONNREFUSED)
  t.is(socketError(fd), 0, 'reading SO_ERROR clears it')
})

/** Some containers have no IPv6 loopback at all: then the IPv6 test cannot run (and says so in its title). */
const hasIpv6Loopback = (() => {
  try {
    close(listenTcp(0, '::1'))
    return true
  } catch {
    return false
  }
})()

testIf(hasIpv6Loopback, 'this machine has no IPv6 loopback')('IPv6 literals work, with or without brackets; node:net connects to ::1', async (t) => {
  const listener = listenTcp(0, '::1')
  t.teardown(() => closeAll(listener))
  const { port, family, address } = localAddress(listener)
  t.deepEqual({ family, address }, { family: 'IPv6', address: '::1' })
  const client = connect({ port, host: '::1' })
  t.teardown(() => client.destroy())
  const fd = await eventually(() => accept(listener))
  t.teardown(() => closeAll(fd))
  t.is(remoteAddress(fd).family, 'IPv6')
  const outgoing = connectTcp(port, '[::1]')
  t.teardown(() => closeAll(outgoing))
  const second = await eventually(() => accept(listener))
  t.teardown(() => closeAll(second))
  t.is(remoteAddress(second).port, localAddress(outgoing).port)
})

test('a port in use is EADDRINUSE from bind, unless every listener sets reusePort', (t) => {
  const first = listenTcp(0)
  t.teardown(() => closeAll(first))
  const { port } = localAddress(first)
  const error = throwsSystemError(t, () => listenTcp(port), 'EADDRINUSE', 'bind')
  t.regex(error!.message, new RegExp(`127\\.0\\.0\\.1:${port}`))
  const shared = listenTcp(0, '127.0.0.1', { reusePort: true })
  const sharedPort = localAddress(shared).port
  const again = listenTcp(sharedPort, '127.0.0.1', { reusePort: true, backlog: 16 })
  t.teardown(() => closeAll(shared, again))
  t.is(localAddress(again).port, sharedPort)
})

test('reusePort listeners share the incoming node:net connections', async (t) => {
  const a = listenTcp(0, '127.0.0.1', { reusePort: true })
  const port = localAddress(a).port
  const b = listenTcp(port, '127.0.0.1', { reusePort: true })
  t.teardown(() => closeAll(a, b))
  const clients = Array.from({ length: 64 }, () => connect({ port, host: '127.0.0.1' }))
  t.teardown(() => clients.forEach((c) => c.destroy()))
  await Promise.all(clients.map((c) => once(c, 'connect')))
  const counts = [0, 0]
  const accepted: number[] = []
  for (const [i, listener] of [a, b].entries()) {
    for (let fd = accept(listener); fd !== WOULD_BLOCK; fd = accept(listener)) {
      counts[i]++
      accepted.push(fd)
    }
  }
  closeAll(...accepted)
  t.is(counts[0] + counts[1], 64)
  t.true(counts[0] > 0 && counts[1] > 0, `spread: ${counts}`)
})

test('setNoDelay applies to TCP sockets; closing an fd twice is EBADF', (t) => {
  const listener = listenTcp(0)
  const fd = connectTcp(localAddress(listener).port)
  setNoDelay(fd, true)
  setNoDelay(fd, false)
  close(fd)
  throwsSystemError(t, () => close(fd), 'EBADF', 'close')
  throwsSystemError(t, () => setNoDelay(listener + 100_000), 'EBADF', 'setsockopt')
  throwsSystemError(t, () => remoteAddress(listener), 'ENOTCONN', 'getpeername')
  close(listener)
})
