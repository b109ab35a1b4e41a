/**
 * The one address codec (lib/net/address.ts): every family is encoded to and decoded from raw
 * `struct sockaddr` bytes in TypeScript, and what it writes is what the kernel and Node write.
 */
import { execFileSync } from 'node:child_process'
import dgram from 'node:dgram'
import { once } from 'node:events'

import test from 'ava'

import { close, listenUdp, localAddress, recvFrom, sendTo } from '../../index.js'
import { decodeAddress, encodeIp } from '../../lib/net/address.js'

const IPV6_TEXTS = [
  '::',
  '::1',
  '1::',
  'fe80::1',
  '1:2:3:4:5:6:7:8',
  '2001:db8:0:0:1:0:0:1',
  '1:0:0:2:0:0:0:3',
  '1:0:2:0:3:0:4:0',
  '::2:3:4:5:6:7:8',
  '::ffff:127.0.0.1',
  '::1.2.3.4',
  '2001:DB8::A',
  'ff02::1:ff00:1',
]

function roundTrip(text: string): string {
  const raw = encodeIp(text, 0)
  return (decodeAddress(raw, 0, raw.byteLength) as { address: string }).address
}

test('an IPv6 address reads back the way inet_ntop writes it (the text Node and Python show)', (t) => {
  const python = execFileSync(
    'python3',
    ['-c', 'import socket,sys\nfor a in sys.argv[1:]: print(socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, a)))', ...IPV6_TEXTS],
    { encoding: 'utf8' },
  ).trim().split('\n')
  t.deepEqual(IPV6_TEXTS.map(roundTrip), python)
})

test('an IPv4 address and a port survive the round trip through raw bytes, in network byte order', (t) => {
  const raw = encodeIp('192.168.1.254', 0x1234)
  t.is(raw.byteLength, 16)
  t.deepEqual([...raw.subarray(2, 8)], [0x12, 0x34, 192, 168, 1, 254])
  t.deepEqual(decodeAddress(raw, 0, raw.byteLength), { address: '192.168.1.254', port: 0x1234, family: 'IPv4' })
})

test('a numeric IPv6 zone becomes the scope id the kernel reads', (t) => {
  const raw = encodeIp('fe80::1%7', 53)
  t.is(new DataView(raw.buffer, raw.byteOffset).getUint32(24, true), 7)
})

test('the sender of an IPv6 datagram is the text node:dgram itself reports for the same socket', async (t) => {
  const fd = listenUdp(0, '::1')
  t.teardown(() => close(fd))
  const peer = dgram.createSocket('udp6')
  t.teardown(() => peer.close())
  peer.bind(0, '::1')
  await once(peer, 'listening')
  const { port } = localAddress(fd)
  peer.send('hi', port, '::1')
  const buffer = Buffer.alloc(16)
  let got = recvFrom(fd, buffer)
  for (let i = 0; got === null && i < 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
    got = recvFrom(fd, buffer)
  }
  t.deepEqual(got?.address, { address: peer.address().address, port: peer.address().port, family: 'IPv6' })
  const reply = once(peer, 'message')
  t.is(sendTo(fd, Buffer.from('ok'), got!.address), 2)
  const [message, rinfo] = (await reply) as [Buffer, dgram.RemoteInfo]
  t.is(message.toString(), 'ok')
  t.is(rinfo.port, port)
})
