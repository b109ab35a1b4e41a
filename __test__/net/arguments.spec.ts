import test from 'ava'
import { readdirSync } from 'node:fs'

import {
  addMembership,
  bind,
  connect,
  getSocketOption,
  IP_ADD_MEMBERSHIP,
  IPPROTO_ICMP,
  IPPROTO_IP,
  listen,
  listenTcp,
  listenUdp,
  localAddress,
  MessageBatch,
  recvFrom,
  recvMessages,
  sendMessages,
  sendTo,
  setSocketOption,
  SO_LINGER,
  SO_RCVBUF,
  socket,
  socketpair,
  SOL_SOCKET,
} from '../../index.js'
import { closeAll } from '../helpers/readiness.js'

const openFds = () => readdirSync('/proc/self/fd').length

function withUdp(t: { teardown(fn: () => void): void }): number {
  const fd = listenUdp(0)
  t.teardown(() => closeAll(fd))
  return fd
}

test('unknown family and type names are ERR_INVALID_ARG_VALUE naming the choices; other types ERR_INVALID_ARG_TYPE; no fd is made', (t) => {
  const before = openFds()
  t.throws(() => socket('ipx' as never, 'dgram'), { code: 'ERR_INVALID_ARG_VALUE', message: /'family' must be one of 'IPv4', 'IPv6', 'ipv4', 'ipv6', 'unix'/ })
  t.throws(() => socket('ipv4', 'datagram' as never), { code: 'ERR_INVALID_ARG_VALUE', message: /'type' must be one of 'stream', 'dgram'/ })
  t.throws(() => socket(null as never, 'dgram'), { code: 'ERR_INVALID_ARG_TYPE', message: /"family" argument must be of type string or number/ })
  t.throws(() => socket('ipv4', 'dgram', 1.5), { code: 'ERR_OUT_OF_RANGE', message: /"protocol"/ })
  t.throws(() => socket(-1, 'dgram'), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => socket('toString' as never, 'dgram'), { code: 'ERR_INVALID_ARG_VALUE' }, 'inherited names are not family names')
  t.throws(() => socketpair('raw' as never), { code: 'ERR_INVALID_ARG_VALUE', message: /'stream', 'dgram', 'seqpacket'/ })
  t.is(openFds(), before)
})

test('a port outside 0-65535 is ERR_OUT_OF_RANGE, a host that is not an IP literal ERR_INVALID_ARG_VALUE (no DNS lookup)', (t) => {
  const fd = withUdp(t)
  t.throws(() => listenUdp(65536), { code: 'ERR_OUT_OF_RANGE', message: /"port" is out of range. It must be an integer >= 0 and <= 65535. Received 65536/ })
  t.throws(() => listenUdp(-1), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => sendTo(fd, Buffer.from('x'), { address: '127.0.0.1', port: 70000 }), { code: 'ERR_OUT_OF_RANGE', message: /"address.port"/ })
  t.throws(() => sendTo(fd, Buffer.from('x'), { address: 'localhost', port: 53 }), { code: 'ERR_INVALID_ARG_VALUE', message: /IPv4 or IPv6 address literal/ })
  t.throws(() => listenUdp(0, 'example.com'), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => bind(fd, { address: '1.2.3', port: 1 }), { code: 'ERR_INVALID_ARG_VALUE' })
})

test('a destination port 0 is ERR_SOCKET_BAD_PORT for UDP and TCP, and nothing is sent', async (t) => {
  const fd = withUdp(t)
  t.throws(() => sendTo(fd, Buffer.from('x'), { address: '127.0.0.1', port: 0 }), { code: 'ERR_SOCKET_BAD_PORT', instanceOf: RangeError })
  t.throws(() => connect(fd, { address: '127.0.0.1', port: 0 }), { code: 'ERR_SOCKET_BAD_PORT' })
  const tcp = socket('ipv6', 'stream')
  t.teardown(() => closeAll(tcp))
  t.throws(() => connect(tcp, { address: '::1', port: 0 }), { code: 'ERR_SOCKET_BAD_PORT' })
  // bind to port 0 is fine: it asks the kernel to pick one.
  const other = socket('ipv4', 'dgram')
  t.teardown(() => closeAll(other))
  bind(other, { address: '127.0.0.1', port: 0 })
  t.not(localAddress(other).port, 0)
})

test('addresses of the wrong shape are refused before any system call', (t) => {
  const fd = withUdp(t)
  t.throws(() => sendTo(fd, Buffer.from('x'), 'udp://127.0.0.1:53' as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"address" argument must be an object/ })
  t.throws(() => sendTo(fd, Buffer.from('x'), { path: '' }), { code: 'ERR_INVALID_ARG_VALUE', message: /'address.path' must not be empty/ })
  t.throws(() => sendTo(fd, Buffer.from('x'), { path: 7 } as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => sendTo(fd, Buffer.from('x'), { address: '127.0.0.1' } as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"address.port"/ })
})

test('a raw sockaddr longer than sockaddr_storage (128 bytes) or shorter than its family is ERR_OUT_OF_RANGE', (t) => {
  const fd = withUdp(t)
  t.throws(() => bind(fd, new Uint8Array(129)), { code: 'ERR_OUT_OF_RANGE', message: /"address.byteLength" is out of range. It must be >= 2 and <= 128/ })
  t.throws(() => sendTo(fd, Buffer.from('x'), new Uint8Array(1)), { code: 'ERR_OUT_OF_RANGE' })
})

test('option values of the wrong size for an option the package knows are refused before the call', (t) => {
  const fd = socket('ipv4', 'stream')
  t.teardown(() => closeAll(fd))
  t.throws(() => setSocketOption(fd, SOL_SOCKET, SO_RCVBUF, new Uint8Array(2)), {
    code: 'ERR_INVALID_ARG_VALUE',
    message: /'value' must be a view of 4 bytes for SO_RCVBUF \(it has 2\)/,
  })
  t.throws(() => setSocketOption(fd, SOL_SOCKET, SO_LINGER, new Int32Array(3)), { code: 'ERR_INVALID_ARG_VALUE', message: /8 bytes for SO_LINGER/ })
  t.throws(() => setSocketOption(fd, SOL_SOCKET, SO_LINGER, 1), { code: 'ERR_INVALID_ARG_TYPE', message: /SO_LINGER is not an int option/ })
  t.throws(() => getSocketOption(fd, SOL_SOCKET, SO_LINGER), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => getSocketOption(fd, SOL_SOCKET, SO_LINGER, new Int32Array(1)), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => setSocketOption(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, new Uint8Array(5)), { code: 'ERR_INVALID_ARG_VALUE', message: /8 or 12 bytes/ })
  t.throws(() => setSocketOption(fd, SOL_SOCKET, SO_RCVBUF, 2 ** 31), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => setSocketOption(fd, SOL_SOCKET, SO_RCVBUF, '1' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => setSocketOption(fd, 1.5, SO_RCVBUF, 1), { code: 'ERR_OUT_OF_RANGE', message: /"level"/ })
})

test('buffers and ranges of sendTo and recvFrom are checked', (t) => {
  const fd = withUdp(t)
  t.throws(() => sendTo(fd, 'text' as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"buffer" argument must be an instance of Buffer, TypedArray, or DataView/ })
  t.throws(() => recvFrom(fd, Buffer.alloc(4), 5), { code: 'ERR_OUT_OF_RANGE', message: /"offset"/ })
  t.throws(() => recvFrom(fd, Buffer.alloc(4), 1, 4), { code: 'ERR_OUT_OF_RANGE', message: /"length"/ })
  t.throws(() => sendTo(-1, Buffer.alloc(1)), { code: 'ERR_OUT_OF_RANGE', message: /"fd"/ })
  const detached = new ArrayBuffer(8)
  const view = new DataView(detached)
  structuredClone(detached, { transfer: [detached] })
  t.throws(() => recvFrom(fd, view), { code: 'ERR_INVALID_ARG_VALUE', message: /detached/ })
})

test('batches: a non-batch, a start or count outside it, and bad slot sizes are refused', (t) => {
  const fd = withUdp(t)
  const batch = new MessageBatch(4, { slotSize: 16 })
  t.throws(() => recvMessages(fd, { data: new Uint8Array(64) } as never), { code: 'ERR_INVALID_ARG_TYPE', message: /instance of MessageBatch/ })
  t.throws(() => recvMessages(fd, batch, 4), { code: 'ERR_OUT_OF_RANGE', message: /"start"/ })
  t.throws(() => sendMessages(fd, batch, 1, 4), { code: 'ERR_OUT_OF_RANGE', message: /"count" is out of range. It must be an integer >= 1 and <= 3/ })
  t.throws(() => new MessageBatch(0), { code: 'ERR_OUT_OF_RANGE', message: /"capacity"/ })
  t.throws(() => new MessageBatch(4, { slotSize: 0 }), { code: 'ERR_OUT_OF_RANGE', message: /"options.slotSize"/ })
  t.throws(() => batch.setLength(0, 17), { code: 'ERR_OUT_OF_RANGE', message: /"length"/ })
  t.throws(() => batch.set(0, new Uint8Array(17)), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => batch.setAddress(0, { address: '127.0.0.1', port: 1 }), { code: 'ERR_INVALID_ARG_VALUE', message: /addresses: true/ })
  t.throws(() => batch.length(4), { code: 'ERR_OUT_OF_RANGE', message: /"index"/ })
})

test('a batch whose memory was swapped behind its back is not used, and the native side refuses memory too short for the slots', (t) => {
  const fd = withUdp(t)
  const batch = new MessageBatch(4, { slotSize: 16 })
  const { data } = batch
  Object.defineProperty(batch, 'data', { value: new Uint8Array(8) })
  // The batch keeps its memory in private fields: a property shadowing `data` reaches no native call.
  t.is(recvMessages(fd, batch), -1)
  t.is(batch.data.byteLength, 8, 'the shadow is what user code reads back')
  t.is(data.byteLength, 64)
  const native = require('../../binding.js')
  t.throws(() => native.recvMessages(fd, new Uint8Array(8), 16, new Int32Array(12), null, 0, 4), {
    code: 'EINVAL',
    message: /recvmmsg \(slots up to 4 of 16 bytes do not fit 8 bytes\)/,
  })
})

test('multicast groups and interfaces must be IP literals of the same family', (t) => {
  const fd = withUdp(t)
  t.throws(() => addMembership(fd, 'all-hosts'), { code: 'ERR_INVALID_ARG_VALUE', message: /'multicastAddress'/ })
  t.throws(() => addMembership(fd, '239.1.1.1', '::1'), { code: 'ERR_INVALID_ARG_VALUE', message: /IPv4 address for an IPv4 group/ })
  t.throws(() => addMembership(fd, '239.1.1.1', 5 as never), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('listen and listenUdp options are checked', (t) => {
  const fd = listenTcp(0)
  t.teardown(() => closeAll(fd))
  t.throws(() => listen(fd, -1), { code: 'ERR_OUT_OF_RANGE', message: /"backlog"/ })
  t.throws(() => listenUdp(0, '127.0.0.1', { reusePort: 'yes' } as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"options.reusePort"/ })
  t.throws(() => listenUdp(0, '127.0.0.1', 7 as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"options"/ })
  t.throws(() => socket('ipv4', 'dgram', IPPROTO_ICMP + 0.5), { code: 'ERR_OUT_OF_RANGE' })
})

test('the per-datagram native calls check their memory themselves: a short meta, an oversized raw address', (t) => {
  const fd = withUdp(t)
  const { recvFrom, sendTo } = require('../../binding.js')
  t.throws(() => recvFrom(fd, Buffer.alloc(8), 0, 8, new Uint8Array(128), new Int32Array(1)), { code: 'ERR_OUT_OF_RANGE', message: /meta.length/ })
  t.throws(() => recvFrom(fd, Buffer.alloc(8), 4, 8, new Uint8Array(128), new Int32Array(2)), { code: 'ERR_OUT_OF_RANGE', message: /length/ })
  t.throws(() => sendTo(fd, Buffer.alloc(8), 0, 8, new Uint8Array(200)), { code: 'EINVAL', message: /a raw sockaddr of 200 bytes/ })
  t.throws(() => sendTo(fd, 'x', 0, 1, new Uint8Array(16)), { code: 'ERR_INVALID_ARG_TYPE' })
})
