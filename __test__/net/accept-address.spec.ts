import test from 'ava'
import { once } from 'node:events'
import { connect as netConnect, type Socket as NetSocket } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { accept, close, connectUnix, Epoll, EPOLLIN, listenTcp, listenUnix, localAddress, remoteAddress, socket, WOULD_BLOCK } from '../../index.js'
import { throwsSystemError } from '../helpers/errors.js'

/** Waits until `listener` has a connection queued. */
function queued(listener: number): void {
  using ep = new Epoll()
  ep.register(listener, EPOLLIN)
  ep.poll(5000)
}

test("accept(fd, { address: true }) gives the peer's address from the same accept4, as node:net's client sees itself", async (t) => {
  const listener = listenTcp(0)
  t.is(accept(listener, { address: true }), WOULD_BLOCK, 'nothing queued yet')
  const client = netConnect({ port: localAddress(listener).port, host: '127.0.0.1' })
  await once(client, 'connect')
  queued(listener)
  const accepted = accept(listener, { address: true })
  if (accepted === WOULD_BLOCK) return t.fail('a connection was queued')
  t.deepEqual(accepted.address, { address: '127.0.0.1', port: client.localPort, family: 'IPv4' })
  t.deepEqual(remoteAddress(accepted.fd), accepted.address)
  close(accepted.fd)
  client.destroy()
  close(listener)
})

test('the address outlives a peer that reset before accept, where remoteAddress is ENOTCONN', async (t) => {
  const listener = listenTcp(0)
  const client: NetSocket = netConnect({ port: localAddress(listener).port, host: '127.0.0.1' })
  await once(client, 'connect')
  const port = client.localPort
  client.resetAndDestroy()
  await once(client, 'close')
  queued(listener)
  const accepted = accept(listener, { address: true })
  if (accepted === WOULD_BLOCK) return t.fail('the reset connection stays queued')
  t.deepEqual(accepted.address, { address: '127.0.0.1', port, family: 'IPv4' })
  throwsSystemError(t, () => remoteAddress(accepted.fd), 'ENOTCONN', 'getpeername')
  close(accepted.fd)
  close(listener)
})

test('an IPv6 peer and an unnamed unix peer are decoded like every other address', async (t) => {
  const v6 = listenTcp(0, '::1')
  const client = netConnect({ port: localAddress(v6).port, host: '::1' })
  await once(client, 'connect')
  queued(v6)
  const a = accept(v6, { address: true })
  if (a === WOULD_BLOCK) return t.fail('queued')
  t.deepEqual(a.address, { address: '::1', port: client.localPort, family: 'IPv6' })
  close(a.fd)
  client.destroy()
  close(v6)

  const dir = mkdtempSync(join(tmpdir(), 'accept-'))
  const unix = listenUnix(join(dir, 's'))
  const peer = connectUnix(join(dir, 's'))
  const u = accept(unix, { address: true })
  if (u === WOULD_BLOCK) return t.fail('queued')
  t.deepEqual(u.address, { address: '', port: 0, family: 'unix' })
  for (const fd of [u.fd, peer, unix]) close(fd)
  rmSync(dir, { recursive: true })
})

test('plain accept(fd) and { address: false } still return the bare fd; bad options and fds are refused', async (t) => {
  const listener = listenTcp(0)
  const clients = [0, 1].map(() => netConnect({ port: localAddress(listener).port, host: '127.0.0.1' }))
  await Promise.all(clients.map((c) => once(c, 'connect')))
  queued(listener)
  const first = accept(listener)
  t.is(typeof first, 'number')
  const second = accept(listener, { address: false })
  t.is(typeof second, 'number')
  t.throws(() => accept(listener, { address: 1 as never }), { code: 'ERR_INVALID_ARG_TYPE', message: /"options.address"/ })
  t.throws(() => accept(-1, { address: true }), { code: 'ERR_OUT_OF_RANGE' })
  const unbound = socket('IPv4', 'stream')
  throwsSystemError(t, () => accept(unbound, { address: true }), 'EINVAL', 'accept')
  for (const fd of [first, second, unbound, listener]) close(fd)
  for (const c of clients) c.destroy()
})
