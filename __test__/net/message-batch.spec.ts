import test from 'ava'
import { once } from 'node:events'

import { ADDRESS_SLOT_SIZE, listenUdp, localAddress, MAX_MESSAGES, MessageBatch, META_STRIDE, recvMessages, sendMessages, sendTo, socketpair } from '../../index.js'
import { dgramPeer, pattern, until } from '../helpers/datagrams.js'
import { closeAll } from '../helpers/readiness.js'

test('64 queued datagrams from a node:dgram peer arrive in one recvMessages call, every byte and sender right', async (t) => {
  const fd = listenUdp(0)
  t.teardown(() => closeAll(fd))
  const peer = await dgramPeer()
  t.teardown(() => peer.close())
  const { port } = localAddress(fd)
  for (let id = 0; id < 64; id++) peer.send(pattern(id, 10 + id * 20), port, '127.0.0.1')
  // node:dgram sends asynchronously: wait until the last one was handed to the kernel.
  await new Promise<void>((resolve) => peer.send(Buffer.alloc(0), port, '127.0.0.1', () => resolve()))
  const batch = new MessageBatch(128, { slotSize: 1500, addresses: true })
  const n = recvMessages(fd, batch)
  t.is(n, 65, 'all 64 and the empty marker, in one system call')
  for (let id = 0; id < 64; id++) {
    t.is(batch.length(id), 10 + id * 20)
    t.false(batch.truncated(id))
    t.true(Buffer.from(batch.message(id)).equals(pattern(id, 10 + id * 20)), `datagram ${id}`)
    t.deepEqual(batch.address(id), { address: '127.0.0.1', port: peer.address().port, family: 'IPv4' })
  }
  t.is(batch.length(64), 0, 'a 0-byte datagram is a message in its slot')
  t.is(recvMessages(fd, batch), -1, 'nothing more queued: WOULD_BLOCK')
})

test('sendMessages echoes a received batch to its senders from the same memory', async (t) => {
  const fd = listenUdp(0)
  t.teardown(() => closeAll(fd))
  const peers = await Promise.all([dgramPeer(), dgramPeer(), dgramPeer()])
  t.teardown(() => peers.forEach((p) => p.close()))
  const { port } = localAddress(fd)
  const got = peers.map((p) => once(p, 'message'))
  await Promise.all(peers.map((p, i) => new Promise<void>((resolve) => p.send(`peer ${i}`, port, '127.0.0.1', () => resolve()))))
  const batch = new MessageBatch(8, { slotSize: 64, addresses: true })
  const n = await until(() => recvMessages(fd, batch))
  t.is(n, 3)
  t.is(sendMessages(fd, batch, 0, n), 3)
  const echoes = (await Promise.all(got)).map(([message]) => (message as Buffer).toString())
  t.deepEqual(echoes, ['peer 0', 'peer 1', 'peer 2'])
})

test('a batch without addresses writes none; slots bigger datagrams do not fit are flagged MSG_TRUNC', async (t) => {
  const [a, b] = socketpair('dgram')
  t.teardown(() => closeAll(a, b))
  sendTo(a, Buffer.from('0123456789'))
  sendTo(a, Buffer.from('ok'))
  const batch = new MessageBatch(4, { slotSize: 4 })
  t.is(batch.addresses, null)
  t.is(await until(() => recvMessages(b, batch)), 2)
  t.deepEqual([batch.length(0), batch.truncated(0), Buffer.from(batch.message(0)).toString()], [4, true, '0123'])
  t.deepEqual([batch.length(1), batch.truncated(1), Buffer.from(batch.message(1)).toString()], [2, false, 'ok'])
  t.is(batch.address(0), null)
  t.is(batch.meta[2], 0, 'address length 0')
})

test('start and count pick the slots; a connected socket sends slots without addresses to its peer', async (t) => {
  const [a, b] = socketpair('dgram')
  t.teardown(() => closeAll(a, b))
  const out = new MessageBatch(8, { slotSize: 16 })
  for (let i = 0; i < 8; i++) out.set(i, Buffer.from(`msg ${i}`))
  t.is(sendMessages(a, out, 2, 3), 3)
  const into = new MessageBatch(8, { slotSize: 16 })
  t.is(await until(() => recvMessages(b, into, 5)), 3, 'slots 5, 6, 7')
  t.deepEqual([5, 6, 7].map((i) => Buffer.from(into.message(i)).toString()), ['msg 2', 'msg 3', 'msg 4'])
  t.is(into.length(0), 0, 'slots before start untouched')
})

test('setAddress sends each slot to its own destination', async (t) => {
  const receivers = [listenUdp(0), listenUdp(0)]
  const sender = listenUdp(0)
  t.teardown(() => closeAll(sender, ...receivers))
  const batch = new MessageBatch(4, { slotSize: 32, addresses: true })
  batch.set(0, Buffer.from('to first'), localAddress(receivers[0]))
  batch.set(1, Buffer.from('to second'), localAddress(receivers[1]))
  t.deepEqual(batch.address(1), localAddress(receivers[1]))
  t.is(sendMessages(sender, batch, 0, 2), 2)
  const inbox = new MessageBatch(2, { slotSize: 32 })
  for (const [i, text] of ['to first', 'to second'].entries()) {
    t.is(await until(() => recvMessages(receivers[i], inbox)), 1)
    t.is(Buffer.from(inbox.message(0)).toString(), text)
  }
})

test('a batch holds up to MAX_MESSAGES (1024) slots: 1024 datagrams go through, many per call, every one in its slot', async (t) => {
  const [a, b] = socketpair('dgram')
  t.teardown(() => closeAll(a, b))
  const out = new MessageBatch(MAX_MESSAGES, { slotSize: 8 })
  for (let i = 0; i < MAX_MESSAGES; i++) out.set(i, new Uint8Array(new Uint32Array([i, ~i]).buffer))
  const into = new MessageBatch(MAX_MESSAGES, { slotSize: 8 })
  // A unix datagram queue holds net.unix.max_dgram_qlen messages: send what fits, take it, repeat.
  let [sent, got, calls] = [0, 0, 0]
  while (got < MAX_MESSAGES) {
    if (sent < MAX_MESSAGES) sent += Math.max(0, sendMessages(a, out, sent))
    got += await until(() => recvMessages(b, into, got))
    calls++
  }
  t.true(calls < 20, `${calls} receive calls for 1024 datagrams`)
  const words = new Uint32Array(into.data.buffer)
  for (let i = 0; i < MAX_MESSAGES; i++) {
    if (words[i * 2] !== i || words[i * 2 + 1] !== ~i >>> 0) return t.fail(`slot ${i} holds ${words[i * 2]}`)
  }
  t.is(META_STRIDE * MAX_MESSAGES, into.meta.length)
  t.is(ADDRESS_SLOT_SIZE, 128)
  t.throws(() => new MessageBatch(MAX_MESSAGES + 1), { code: 'ERR_OUT_OF_RANGE' })
})
