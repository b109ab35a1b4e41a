import test from 'ava'
// Regression specs for issue 23, items 6 and 7: one rule for unix names in every function that takes
// an address. An interior NUL in `{ path }` was cut silently by bind, connect, sendTo and
// MessageBatch.setAddress (`'/d/sock\0evil'` bound `/d/sock`) while listenUnix and connectUnix refused
// it; and a name that is not UTF-8 came back as text with U+FFFD in it, which named another socket.

import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { bind, close, connect, connectUnix, listenUnix, MessageBatch, recvFrom, sendTo, socket, type SocketAddress } from '../../index.js'
import { decodeAddress, encodeAddress } from '../../lib/net/address.js'
import { testIf } from '../helpers/skip-if.js'

const INNER_NUL = { code: 'ERR_INVALID_ARG_VALUE', message: /must not contain null bytes \(other than the leading '\\0' of an abstract name\)/ }

/** The abstract name of the issue: a leading NUL, then bytes that are not UTF-8, then 'A'. */
const NOT_UTF8 = Uint8Array.of(0, 0xff, 0xfe, 0x41)

/** A raw `sockaddr_un` for `name` (family in native byte order: little-endian on every target we build). */
function sockaddrUn(name: Uint8Array): Uint8Array {
  const raw = new Uint8Array(2 + name.length)
  new DataView(raw.buffer).setUint16(0, 1, true) // AF_UNIX
  raw.set(name, 2)
  return raw
}

test('item 6: a NUL inside a unix path is ERR_INVALID_ARG_VALUE for every function that takes an address, and nothing is bound', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'epoll-napi-nul-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const cut = join(dir, 'sock')
  const text = `${cut}\0evil`
  const bytes = new TextEncoder().encode(text)
  const fd = socket('unix', 'dgram')
  t.teardown(() => close(fd))
  const batch = new MessageBatch(1, { addresses: true })
  for (const path of [text, bytes]) {
    t.throws(() => bind(fd, { path }), INNER_NUL, 'bind')
    t.throws(() => connect(fd, { path }), INNER_NUL, 'connect')
    t.throws(() => sendTo(fd, Buffer.from('x'), { path }), INNER_NUL, 'sendTo')
    t.throws(() => batch.setAddress(0, { path }), INNER_NUL, 'MessageBatch.setAddress')
    t.throws(() => bind(fd, { address: text, port: 0, family: 'unix' } as SocketAddress), INNER_NUL, 'a SocketAddress')
    t.throws(() => listenUnix(path), INNER_NUL, 'listenUnix')
    t.throws(() => connectUnix(path), INNER_NUL, 'connectUnix')
  }
  t.false(existsSync(cut), 'nothing was bound at the path before the NUL')
  t.is(batch.address(0), null, 'the slot keeps no address')
})

test('item 6: the leading NUL of an abstract name stays allowed, as text and as bytes', (t) => {
  const batch = new MessageBatch(2, { addresses: true })
  batch.setAddress(0, { path: '\0epoll-napi-abstract' })
  batch.setAddress(1, { path: Uint8Array.of(0, 0x61) })
  t.deepEqual(batch.address(0), { address: '\0epoll-napi-abstract', port: 0, family: 'unix' })
  t.deepEqual(batch.address(1), { address: '\0a', port: 0, family: 'unix' })
})

test('item 7: a unix name that is not UTF-8 decodes with its bytes in path, and encodes back to the same sockaddr', (t) => {
  const raw = sockaddrUn(NOT_UTF8)
  const decoded = decodeAddress(raw, 0, raw.length) as SocketAddress
  t.is(decoded.family, 'unix')
  t.is(decoded.address, '\0\ufffd\ufffdA', 'the text shows what is not UTF-8 as U+FFFD')
  t.deepEqual(decoded.path, NOT_UTF8, 'the bytes are kept')
  t.deepEqual(encodeAddress(decoded, 'sendto'), raw, 'passed back as it is, it names the same socket')
  t.deepEqual(encodeAddress({ path: NOT_UTF8 }, 'sendto'), raw, '{ path: Uint8Array } names it too')
  // A filesystem path that is not UTF-8: no terminating NUL in path, one in the sockaddr.
  const file = Uint8Array.of(0x2f, 0x74, 0xe9)
  const fileRaw = sockaddrUn(Uint8Array.of(...file, 0))
  const fileDecoded = decodeAddress(fileRaw, 0, fileRaw.length) as SocketAddress
  t.deepEqual(fileDecoded.path, file)
  t.deepEqual(encodeAddress(fileDecoded, 'sendto'), fileRaw)
  // UTF-8 names keep the shape they always had.
  const plain = sockaddrUn(new TextEncoder().encode('\0caf\u00e9'))
  t.deepEqual(decodeAddress(plain, 0, plain.length), { address: '\0caf\u00e9', port: 0, family: 'unix' })
})

test('item 7: an abstract name with a NUL after its first byte comes back raw, so it too can be passed back', (t) => {
  const raw = sockaddrUn(Uint8Array.of(0, 0x61, 0, 0x62))
  const decoded = decodeAddress(raw, 0, raw.length)
  t.deepEqual(decoded, raw)
  t.deepEqual(encodeAddress(decoded, 'sendto'), raw)
})

const python = spawnSync('python3', ['-c', 'import socket; socket.AF_UNIX'], { encoding: 'utf8' }).status === 0

testIf(python, 'python3 is not installed')('item 7: a Python peer bound to the abstract name \\0\\xff\\xfeA is reported so that replying to it reaches it', async (t) => {
  const ours = `\0epoll-napi-reply-${process.pid}`
  const fd = socket('unix', 'dgram')
  t.teardown(() => close(fd))
  bind(fd, { path: ours })
  const peer = spawn(
    'python3',
    [
      '-c',
      [
        'import socket, sys',
        's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
        "s.bind(b'\\0\\xff\\xfeA')",
        's.settimeout(20)',
        "s.sendto(b'ping', b'\\0' + sys.argv[1].encode())",
        'data, sender = s.recvfrom(64)',
        'print(data.decode(), flush=True)',
      ].join('\n'),
      ours.slice(1), // argv holds no NUL: the peer adds the leading one
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let out = ''
  peer.stdout.on('data', (chunk: Buffer) => (out += chunk))
  const buffer = Buffer.alloc(64)
  let got = recvFrom(fd, buffer)
  for (const start = Date.now(); got === null && Date.now() - start < 20_000; got = recvFrom(fd, buffer)) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  t.truthy(got, 'the peer sent a datagram')
  const sender = got!.address as SocketAddress
  t.is(buffer.toString('utf8', 0, got!.bytes), 'ping')
  t.deepEqual(sender.path, NOT_UTF8, 'the sender is reported with its exact name')
  t.is(sendTo(fd, Buffer.from('pong'), sender), 4, 'the reply to the reported address goes out')
  const [code] = (await once(peer, 'exit')) as [number]
  t.is(code, 0)
  t.is(out.trim(), 'pong', 'and the peer received it')
})
