/**
 * `connections()` accepts in batches: every readiness takes up to 64 queued connections in ONE
 * crossing into the binding (`acceptMany`), hands them out one by one, and closes those it accepted
 * and never handed out when the loop ends early. The crossings are counted by wrapping the
 * binding's accepting exports before the package loads them (it looks them up once, at load time).
 * Serial: the crossing and fd counts are of this whole process.
 */
import test from 'ava'
import { once } from 'node:events'
import { connect as netConnect, type Socket as NetSocket } from 'node:net'

// First: it wraps the binding's accepting calls before the package looks them up.
import { acceptCrossings } from '../helpers/accept-crossings.js'
import { connections, Socket } from '../../index.js'
import { openFdCount } from '../helpers/daemon.js'

/** `count` node:net clients of `port`, connected one after the other: the order they are queued in. */
async function queued(port: number, count: number): Promise<NetSocket[]> {
  const list: NetSocket[] = []
  for (let i = 0; i < count; i++) {
    const client = netConnect({ port, host: '127.0.0.1' })
    await once(client, 'connect')
    list.push(client)
  }
  return list
}

test.serial('200 connections queued before the loop starts all arrive, each with its own address, in order of connection, in a handful of crossings', async (t) => {
  const listener = Socket.listenTcp(0, '127.0.0.1', { backlog: 512 })
  const { port } = listener.localAddress() as { port: number }
  const peers = await queued(port, 200)
  const before = acceptCrossings()
  const addresses: unknown[] = []
  for await (const { socket, address } of connections(listener)) {
    addresses.push(address)
    socket.close()
    if (addresses.length === 200) break
  }
  const used = acceptCrossings() - before
  t.deepEqual(
    addresses,
    peers.map((p) => ({ address: '127.0.0.1', port: p.localPort, family: 'IPv4' })),
  )
  t.log(`${used} accepting crossings for 200 connections`)
  t.true(used >= 4 && used <= 8, `200 connections in batches of 64 take 4 crossings (give or take a wake-up), not ${used}`)
  for (const p of peers) p.destroy()
  listener.close()
})

test.serial('a loop that breaks mid-batch closes the connections accepted and not handed out: no fd is left open, and their peers see the end', async (t) => {
  const listener = Socket.listenTcp(0, '127.0.0.1', { backlog: 512 })
  const { port } = listener.localAddress() as { port: number }
  const peers = await queued(port, 100)
  for (const p of peers) p.resume()
  const open = openFdCount()
  const taken = []
  for await (const { socket } of connections(listener)) {
    taken.push(socket)
    if (taken.length === 3) break
  }
  t.is(openFdCount(), open + 3, 'only the 3 handed out are open: the other 61 of their batch are closed')
  for (const s of taken) s.close()
  t.is(openFdCount(), open)
  await Promise.all(peers.slice(3, 64).map((p) => once(p, 'end')))
  for (const p of peers) p.destroy()
  listener.close()
})

test.serial('an abort mid-batch closes the connections not handed out too', async (t) => {
  const listener = Socket.listenTcp(0, '127.0.0.1', { backlog: 512 })
  const { port } = listener.localAddress() as { port: number }
  const peers = await queued(port, 10)
  const open = openFdCount()
  const controller = new AbortController()
  let seen = 0
  await t.throwsAsync(
    async () => {
      for await (const { socket } of connections(listener, { signal: controller.signal })) {
        socket.close()
        if (++seen === 2) controller.abort()
      }
    },
    { name: 'AbortError' },
  )
  t.is(seen, 2)
  t.is(openFdCount(), open, 'the 8 accepted after them are closed, not leaked')
  for (const p of peers) p.destroy()
  listener.close()
})
