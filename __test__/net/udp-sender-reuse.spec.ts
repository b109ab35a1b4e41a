// The single-datagram fast path (lib/net/sender-memo.ts): recvFrom decodes a known IPv4 sender
// without building its text, and sendTo encodes an { address, port } whose text it has seen without
// parsing it. Users must see nothing of it: fresh plain objects, the destination an object says now.
import test from 'ava'

import { type SocketAddress, listenUdp, localAddress, recvFrom, sendTo } from '../../index.js'
import { receive } from '../helpers/datagrams.js'
import { closeAll } from '../helpers/readiness.js'

const portOf = (fd: number) => (localAddress(fd) as { port: number }).port

test('each datagram from the same IPv4 sender gets its own plain address object', async (t) => {
  const server = listenUdp(0)
  const client = listenUdp(0)
  try {
    const buffer = new Uint8Array(64)
    sendTo(client, new Uint8Array([1]), { address: '127.0.0.1', port: portOf(server) })
    sendTo(client, new Uint8Array([2]), { address: '127.0.0.1', port: portOf(server) })
    const first = await receive(server, buffer)
    const second = await receive(server, buffer)
    t.deepEqual(first.address, { address: '127.0.0.1', port: portOf(client), family: 'IPv4' })
    t.deepEqual(second.address, first.address)
    t.not(second.address, first.address)
    ;(first.address as { port: number }).port = 1
    t.is((second.address as { port: number }).port, portOf(client))
  } finally {
    closeAll(server, client)
  }
})

test('replying to a received address reaches the sender; after its port is changed, the new port', async (t) => {
  const server = listenUdp(0)
  const client = listenUdp(0)
  const other = listenUdp(0)
  try {
    const buffer = new Uint8Array(64)
    sendTo(client, new Uint8Array([7]), { address: '127.0.0.1', port: portOf(server) })
    const got = await receive(server, buffer)
    t.is(sendTo(server, buffer, got.address, 0, got.bytes), 1)
    const echo = await receive(client, buffer)
    t.deepEqual([echo.bytes, buffer[0], (echo.address as { port: number }).port], [1, 7, portOf(server)])

    const moved = got.address as SocketAddress
    moved.port = portOf(other)
    sendTo(server, new Uint8Array([9]), moved)
    const redirected = await receive(other, buffer)
    t.deepEqual([redirected.bytes, buffer[0]], [1, 9])
    t.is(recvFrom(client, buffer), null)
  } finally {
    closeAll(server, client, other)
  }
})

test('a known sender with destination port 0 is still refused as node:dgram refuses it', async (t) => {
  const server = listenUdp(0)
  const client = listenUdp(0)
  try {
    sendTo(client, new Uint8Array([1]), { address: '127.0.0.1', port: portOf(server) })
    const got = await receive(server, new Uint8Array(8))
    t.throws(() => sendTo(server, new Uint8Array([1]), { ...(got.address as SocketAddress), port: 0 }), { code: 'ERR_SOCKET_BAD_PORT' })
  } finally {
    closeAll(server, client)
  }
})
