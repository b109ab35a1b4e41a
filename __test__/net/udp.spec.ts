import test from 'ava'
import { once } from 'node:events'

import {
  type SocketAddress,
  addMembership,
  connect,
  dropMembership,
  Epoll,
  EPOLLIN,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IPPROTO_IP,
  listenUdp,
  localAddress,
  recvFrom,
  remoteAddress,
  sendTo,
  setSocketOption,
  socket,
} from '../../index.js'
import { dgramPeer, pattern, receive } from '../helpers/datagrams.js'
import { testUnlessEmulated } from '../helpers/emulation.js'
import { throwsSystemError } from '../helpers/errors.js'
import { closeAll, fdFlags } from '../helpers/readiness.js'
import { testIf } from '../helpers/skip-if.js'

/** Some containers have no IPv6 loopback at all: then the IPv6 test cannot run (and says so in its title). */
const hasIpv6Loopback = (() => {
  try {
    closeAll(listenUdp(0, '::1'))
    return true
  } catch {
    return false
  }
})()

for (const [family, host, type] of [
  ['IPv4', '127.0.0.1', 'udp4'],
  ['IPv6', '::1', 'udp6'],
] as const) {
  testIf(family !== 'IPv6' || hasIpv6Loopback, 'this machine has no IPv6 loopback')(`UDP over ${family}: 200 datagrams from a node:dgram peer arrive whole with their sender, and every echo gets back intact`, async (t) => {
    const fd = listenUdp(0, host)
    t.teardown(() => closeAll(fd))
    t.deepEqual(fdFlags(fd), { nonBlocking: true, closeOnExec: true })
    const server = localAddress(fd)
    t.is(server.family, family)
    const peer = await dgramPeer(type)
    t.teardown(() => peer.close())
    const echoes: Buffer[] = []
    peer.on('message', (message: Buffer) => echoes.push(message))
    const buffer = Buffer.alloc(2048)
    for (let id = 0; id < 200; id++) {
      const data = pattern(id, (id * 37) % 1500)
      peer.send(data, server.port, host)
      const got = await receive(fd, buffer)
      t.false(got.truncated)
      t.deepEqual(got.address, { address: host, port: peer.address().port, family })
      t.true(buffer.subarray(0, got.bytes).equals(data), `datagram ${id}`)
      t.is(sendTo(fd, buffer, got.address, 0, got.bytes), got.bytes)
    }
    while (echoes.length < 200) await once(peer, 'message')
    for (let id = 0; id < 200; id++) t.true(echoes[id].equals(pattern(id, (id * 37) % 1500)), `echo ${id}`)
  })
}

test('a 0-byte datagram is a message (bytes 0), not end of file, and epoll reports it readable', async (t) => {
  const fd = listenUdp(0)
  t.teardown(() => closeAll(fd))
  using ep = new Epoll()
  ep.register(fd, EPOLLIN)
  const peer = await dgramPeer()
  t.teardown(() => peer.close())
  peer.send(Buffer.alloc(0), localAddress(fd).port, '127.0.0.1')
  const got = await receive(fd, Buffer.alloc(16))
  t.is(got.bytes, 0)
  t.false(got.truncated)
  t.is((got.address as SocketAddress).port, peer.address().port)
  t.is(recvFrom(fd, Buffer.alloc(16)), null, 'one message, received once')
  t.deepEqual(ep.poll(0), [])
})

test('a datagram larger than the buffer fills it, is flagged truncated, and its rest is gone', async (t) => {
  const fd = listenUdp(0)
  t.teardown(() => closeAll(fd))
  const peer = await dgramPeer()
  t.teardown(() => peer.close())
  const big = pattern(1, 1000)
  peer.send(big, localAddress(fd).port, '127.0.0.1')
  peer.send(Buffer.from('small'), localAddress(fd).port, '127.0.0.1')
  const buffer = Buffer.alloc(100)
  const got = await receive(fd, buffer, 10, 50)
  t.deepEqual([got.bytes, got.truncated], [50, true])
  t.true(buffer.subarray(10, 60).equals(big.subarray(0, 50)))
  t.true(buffer.subarray(0, 10).equals(Buffer.alloc(10)), 'nothing written before offset')
  const next = await receive(fd, buffer)
  t.deepEqual([next.bytes, next.truncated, buffer.subarray(0, 5).toString()], [5, false, 'small'])
})

test('a connected UDP socket sends without an address, and an ICMP port unreachable comes back as ECONNREFUSED', async (t) => {
  const fd = socket('ipv4', 'dgram')
  t.teardown(() => closeAll(fd))
  const peer = await dgramPeer()
  const port = peer.address().port
  t.true(connect(fd, { address: '127.0.0.1', port }), 'a datagram socket connects at once')
  t.deepEqual(remoteAddress(fd), { address: '127.0.0.1', port, family: 'IPv4' })
  sendTo(fd, Buffer.from('hello'))
  const [message] = (await once(peer, 'message')) as [Buffer]
  t.is(message.toString(), 'hello')
  peer.close()
  sendTo(fd, Buffer.from('anyone there?'))
  const start = Date.now()
  let error: unknown
  while (Date.now() - start < 5000) {
    try {
      if (recvFrom(fd, Buffer.alloc(8)) !== null) continue
    } catch (caught) {
      error = caught
      break
    }
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  throwsSystemError(t, () => {
    throw error
  }, 'ECONNREFUSED', 'recvmsg')
})

test('a datagram larger than UDP allows is EMSGSIZE from sendto', (t) => {
  const fd = listenUdp(0)
  t.teardown(() => closeAll(fd))
  throwsSystemError(t, () => sendTo(fd, Buffer.alloc(70_000), localAddress(fd)), 'EMSGSIZE', 'sendto')
})

test('two sockets share a UDP port with reusePort; without it the port is EADDRINUSE', (t) => {
  const first = listenUdp(0, '127.0.0.1', { reusePort: true })
  t.teardown(() => closeAll(first))
  const { port } = localAddress(first)
  const second = listenUdp(port, '127.0.0.1', { reusePort: true })
  t.teardown(() => closeAll(second))
  t.is(localAddress(second).port, port)
  throwsSystemError(t, () => listenUdp(port), 'EADDRINUSE', 'bind')
})

// QEMU's user mode passes only the socket options in its own table to the kernel.
testUnlessEmulated('refuses IP_MULTICAST_IF with ENOPROTOOPT, missing from its setsockopt table')('IPv4 multicast on the loopback interface: a member receives the group datagram; after leaving, it does not', async (t) => {
  const group = '239.255.42.99'
  const receiver = listenUdp(0, '0.0.0.0')
  t.teardown(() => closeAll(receiver))
  const { port } = localAddress(receiver)
  addMembership(receiver, group, '127.0.0.1')
  const sender = socket('ipv4', 'dgram')
  t.teardown(() => closeAll(sender))
  setSocketOption(sender, IPPROTO_IP, IP_MULTICAST_IF, Buffer.from([127, 0, 0, 1]))
  setSocketOption(sender, IPPROTO_IP, IP_MULTICAST_LOOP, true)
  t.is(sendTo(sender, Buffer.from('to the group'), { address: group, port }), 12)
  const buffer = Buffer.alloc(64)
  const got = await receive(receiver, buffer)
  t.is(buffer.subarray(0, got.bytes).toString(), 'to the group')
  t.is((got.address as SocketAddress).port, localAddress(sender).port)
  throwsSystemError(t, () => addMembership(receiver, group, '127.0.0.1'), 'EADDRINUSE', 'setsockopt')
  dropMembership(receiver, group, '127.0.0.1')
  sendTo(sender, Buffer.from('not for you'), { address: group, port })
  // A unicast datagram sent after it proves the queue was looked at after the group one would have come.
  sendTo(sender, Buffer.from('unicast'), { address: '127.0.0.1', port })
  const next = await receive(receiver, buffer)
  t.is(buffer.subarray(0, next.bytes).toString(), 'unicast')
  throwsSystemError(t, () => dropMembership(receiver, group, '127.0.0.1'), 'EADDRNOTAVAIL', 'setsockopt')
})
