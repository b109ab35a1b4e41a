import test from 'ava'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  EPOLLIN,
  EPOLLRDHUP,
  Epoll,
  accept,
  connectUnix,
  listenUnix,
  localAddress,
  read,
  remoteAddress,
  setNoDelay,
  shutdown,
  socketpair,
  write,
} from '../../index.js'
import { throwsSystemError } from '../helpers/errors.js'
import { closeAll, eventually, fdFlags, readExactly, readiness } from '../helpers/readiness.js'

function socketPath(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'epoll-napi-unix-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 's.sock')
}

test('listenUnix creates the socket file; a node:net client connects and bytes flow both ways', async (t) => {
  const path = socketPath(t)
  const listener = listenUnix(path)
  t.teardown(() => closeAll(listener))
  t.true(existsSync(path))
  t.deepEqual(localAddress(listener), { address: path, port: 0, family: 'unix' })
  const client = connect(path)
  t.teardown(() => client.destroy())
  const fd = await eventually(() => accept(listener))
  t.teardown(() => closeAll(fd))
  t.deepEqual(fdFlags(fd), { nonBlocking: true, closeOnExec: true })
  let got = ''
  client.on('data', (d: Buffer) => (got += d))
  client.write('over unix')
  t.is((await readExactly(fd, 9)).toString(), 'over unix')
  t.is(write(fd, Buffer.from('back')), 4)
  await once(client, 'data')
  t.is(got, 'back')
})

test('listenUnix on an existing path is EADDRINUSE; the caller decides whether to remove it', (t) => {
  const path = socketPath(t)
  const first = listenUnix(path, { backlog: 4 })
  t.teardown(() => closeAll(first))
  throwsSystemError(t, () => listenUnix(path), 'EADDRINUSE', 'bind')
})

test('connectUnix to a node:net server; half-close shows up as EPOLLRDHUP and EOF', async (t) => {
  using ep = new Epoll()
  const path = socketPath(t)
  const server = createServer({ allowHalfOpen: true }, (socket: Socket) => {
    socket.end('bye')
  })
  server.listen(path)
  await once(server, 'listening')
  t.teardown(() => server.close())
  const fd = connectUnix(path)
  t.teardown(() => closeAll(fd))
  ep.register(fd, EPOLLIN | EPOLLRDHUP)
  await readiness(ep, fd, EPOLLRDHUP)
  t.is((await readExactly(fd, 3)).toString(), 'bye')
  t.is(read(fd, Buffer.alloc(4)), 0)
  t.is(remoteAddress(fd).family, 'unix')
  shutdown(fd, 'both')
})

test('connectUnix where nothing listens: ENOENT for no file, ECONNREFUSED for a dead socket file', (t) => {
  const path = socketPath(t)
  throwsSystemError(t, () => connectUnix(path), 'ENOENT', 'connect')
  const stale = listenUnix(path)
  closeAll(stale)
  throwsSystemError(t, () => connectUnix(path), 'ECONNREFUSED', 'connect')
})

test('abstract unix sockets (a leading NUL) leave no file behind', async (t) => {
  const name = `\0epoll-napi-test-${process.pid}`
  const listener = listenUnix(name)
  t.teardown(() => closeAll(listener))
  t.is(localAddress(listener).address, name)
  const fd = connectUnix(name)
  const peer = await eventually(() => accept(listener))
  t.teardown(() => closeAll(fd, peer))
  write(fd, Buffer.from('hidden'))
  t.is((await readExactly(peer, 6)).toString(), 'hidden')
})

test('socketpair: two connected non-blocking ends; TCP options do not apply (ENOTSUP, as Node names EOPNOTSUPP)', (t) => {
  const [a, b] = socketpair()
  t.teardown(() => closeAll(a, b))
  t.deepEqual(fdFlags(a), { nonBlocking: true, closeOnExec: true })
  t.is(write(a, Buffer.from('ab')), 2)
  const buf = Buffer.alloc(4)
  t.is(read(b, buf), 2)
  t.is(read(b, buf), -1)
  throwsSystemError(t, () => setNoDelay(a), 'ENOTSUP', 'setsockopt')
  t.deepEqual(localAddress(a), { address: '', port: 0, family: 'unix' })
})
