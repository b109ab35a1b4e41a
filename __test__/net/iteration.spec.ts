import test from 'ava'
import { execFile, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'
import { once } from 'node:events'
import { createSocket } from 'node:dgram'
import { connect as netConnect } from 'node:net'

import { connections, datagrams, listenTcp, localAddress, close, setBlocking, getBlocking, Socket, type IncomingDatagram } from '../../index.js'
import { testIf } from '../helpers/skip-if.js'

/** Connects `count` node:net clients to `port`; resolves once all are connected. */
async function clients(port: number, count: number) {
  const list = Array.from({ length: count }, () => netConnect({ port, host: '127.0.0.1' }))
  await Promise.all(list.map((c) => once(c, 'connect')))
  return list
}

test('connections() yields { socket, address } for every node:net client of a burst, and ends when the listener closes', async (t) => {
  const listener = Socket.listenTcp(0)
  const { port } = listener.localAddress() as { port: number }
  const peers = await clients(port, 50)
  const seen = new Set<number>()
  for await (const { socket, address } of connections(listener)) {
    t.true(socket instanceof Socket)
    seen.add((address as { port: number }).port)
    socket.send('hi')
    socket.close()
    if (seen.size === 50) listener.close()
  }
  t.deepEqual([...seen].sort(), peers.map((p) => p.localPort!).sort(), 'every client, each with its own address')
  await Promise.all(peers.map(async (p) => t.is((await once(p, 'data'))[0].toString(), 'hi')))
  for (const p of peers) p.destroy()
})

test('connections() waits for clients that come later, and a closed listener ends a pending wait', async (t) => {
  const listener = Socket.listenTcp(0)
  const { port } = listener.localAddress() as { port: number }
  const served: string[] = []
  const serving = (async () => {
    for await (const { socket } of connections(listener)) {
      served.push('one')
      socket.close()
    }
  })()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const [late] = await clients(port, 1)
  await once(late, 'close')
  listener.close()
  await serving
  t.deepEqual(served, ['one'])
})

test('connections() on a plain fd number throws an AbortError on abort, like Node', async (t) => {
  const listener = listenTcp(0)
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 50)
  const error = await t.throwsAsync(async () => {
    for await (const _ of connections(listener, { signal: controller.signal })) t.fail('no client')
  }, { name: 'AbortError', code: 'ABORT_ERR' })
  t.truthy(error)
  close(listener)
  await t.throwsAsync(async () => {
    for await (const _ of connections(-1)) t.fail()
  }, { code: 'ERR_OUT_OF_RANGE' })
})

test('connections() makes a blocking listener non-blocking, as net.Server does with an fd it adopts', async (t) => {
  const listener = listenTcp(0)
  setBlocking(listener, true)
  const [peer] = await clients(localAddress(listener).port, 1)
  for await (const { socket } of connections(listener)) {
    socket.close()
    break
  }
  t.false(getBlocking(listener))
  peer.destroy()
  close(listener)
})

test('datagrams() answers node:dgram peers with reply(): copies by default, every answer to its sender', async (t) => {
  const server = Socket.udp()
  const { port } = server.localAddress() as { port: number }
  const peers = await Promise.all(
    [0, 1, 2].map(async () => {
      const p = createSocket('udp4')
      p.bind(0, '127.0.0.1')
      await once(p, 'listening')
      return p
    }),
  )
  const kept: IncomingDatagram[] = []
  const answers = peers.map((p) => once(p, 'message'))
  peers.forEach((p, i) => p.send(`ping ${i}`, port, '127.0.0.1'))
  for await (const d of datagrams(server, { batch: 8 })) {
    kept.push(d)
    d.reply(`pong ${Buffer.from(d.data).toString().slice(5)}`)
    if (kept.length === 3) break
  }
  const replies = (await Promise.all(answers)).map(([m]) => m.toString())
  t.deepEqual(replies, ['pong 0', 'pong 1', 'pong 2'])
  t.deepEqual(kept.map((d) => Buffer.from(d.data).toString()).sort(), ['ping 0', 'ping 1', 'ping 2'], 'copies stay valid after the loop')
  t.deepEqual(kept.map((d) => (d.address as { port: number }).port).sort(), peers.map((p) => p.address().port).sort())
  for (const p of peers) p.close()
  server.close()
})

test('datagrams() marks a datagram larger than slotSize as truncated, hands out views when asked, and ends on abort and on close', async (t) => {
  const server = Socket.udp()
  const { port } = server.localAddress() as { port: number }
  const peer = createSocket('udp4')
  peer.send(Buffer.alloc(100, 7), port, '127.0.0.1')
  for await (const d of datagrams(server, { slotSize: 16, views: true })) {
    t.is(d.data.length, 16)
    t.true(d.truncated)
    t.true(d.data.buffer.byteLength > d.data.byteLength, 'a view into memory the engine received into, not a copy')
    break
  }
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 30)
  await t.throwsAsync(async () => {
    for await (const _ of datagrams(server, { signal: controller.signal })) t.fail()
  }, { name: 'AbortError' })
  const ending = (async () => {
    for await (const _ of datagrams(server)) t.fail()
  })()
  setTimeout(() => server.close(), 30)
  await ending
  t.true(server.closed)
  t.throws(() => datagrams(server), { code: 'ERR_SOCKET_CLOSED' })
  peer.close()
})

const dig = spawnSync('dig', ['-v'], { encoding: 'utf8' })
const run = promisify(execFile)

/** A DNS answer to `query`: the question echoed, one A record 192.0.2.1 (a name compressed to offset 12). */
function answer(query: Uint8Array): Buffer {
  const q = Buffer.from(query)
  let end = 12
  while (q[end] !== 0) end += q[end] + 1
  end += 5
  const header = Buffer.from(q.subarray(0, 12))
  header.writeUInt16BE(0x8180, 2)
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(1, 6)
  header.writeUInt32BE(0, 8)
  const record = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1])
  return Buffer.concat([header, q.subarray(12, end), record])
}

testIf(dig.status === 0, 'dig is not installed (Debian: bind9-dnsutils)')('a tiny DNS answerer written with for await datagrams() answers dig', async (t) => {
  const server = Socket.udp()
  const { port } = server.localAddress() as { port: number }
  const serving = (async () => {
    for await (const d of datagrams(server)) d.reply(answer(d.data))
  })()
  // dig runs beside the event loop (execFile, not execFileSync): the server answers on this loop.
  const { stdout: out } = await run('dig', ['+short', '+tries=1', '+time=5', '-p', String(port), '@127.0.0.1', 'example.test', 'A'])
  server.close()
  await serving
  t.is(out.trim(), '192.0.2.1')
})

test('connections() and datagrams() check their arguments when called, not at the first next(), with Node codes', (t) => {
  t.throws(() => connections('x' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => connections(-1), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => connections(0, { signal: 'x' as never }), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => datagrams('x' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => datagrams(0, { batch: 0 }), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => datagrams(0, { slotSize: 65537 }), { code: 'ERR_OUT_OF_RANGE' })
  const closed = Socket.udp()
  closed.close()
  t.throws(() => datagrams(closed), { code: 'ERR_SOCKET_CLOSED' })
})

test('datagrams() reports each sender as recvFrom does: IPv4 senders on two addresses (through the memo of address texts), and an unnamed unix peer', async (t) => {
  const server = Socket.udp()
  const { port } = server.localAddress() as { port: number }
  const senders = ['127.0.0.1', '127.0.0.2', '127.0.0.1'].map((host) => Socket.udp(0, host))
  senders.forEach((s, i) => s.sendTo(`from ${i}`, { address: '127.0.0.1', port }))
  const seen = new Map<string, unknown>()
  for await (const d of datagrams(server)) {
    seen.set(Buffer.from(d.data).toString(), d.address)
    if (seen.size === 3) break
  }
  senders.forEach((s, i) => t.deepEqual(seen.get(`from ${i}`), s.localAddress(), `sender ${i}`))
  const [a, b] = Socket.pair('dgram')
  b.send('unnamed')
  for await (const d of datagrams(a)) {
    t.deepEqual(d.address, { address: '', port: 0, family: 'unix' })
    break
  }
  for (const s of [server, ...senders, a, b]) s.close()
})

test('a datagram from datagrams() is a plain object: its reply works destructured, and spreading keeps every field', async (t) => {
  const server = Socket.udp()
  const { port } = server.localAddress() as { port: number }
  const peer = createSocket('udp4')
  await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve))
  const answered = once(peer, 'message')
  peer.send('hi', port, '127.0.0.1')
  for await (const d of datagrams(server)) {
    const copy = { ...d }
    t.deepEqual(Object.keys(copy).sort(), ['address', 'data', 'reply', 'truncated'])
    t.is((copy.address as { port: number }).port, peer.address().port)
    const { reply } = d
    reply('destructured')
    break
  }
  const [message] = await answered
  t.is(String(message), 'destructured')
  peer.close()
  server.close()
})
