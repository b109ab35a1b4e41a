import test from 'ava'
import { once } from 'node:events'
import { connect } from 'node:net'

import {
  close,
  Epoll,
  EPOLLIN,
  listenTcp,
  localAddress,
  peerCredentials,
  pipe,
  read,
  recvFds,
  SCM_MAX_FD,
  sendFds,
  socketpair,
  write,
  listenUnix,
  accept,
} from '../../index.js'
import { ROOT } from '../helpers/child.js'
import { testUnlessEmulated } from '../helpers/emulation.js'
import { throwsSystemError } from '../helpers/errors.js'
import { isCloseOnExec, openFdCount, start, until } from '../helpers/daemon.js'

// The receiving process: waits for one message on fd 3, then uses what came with it. The pipe's write
// end gets a line; the listening socket accepts one connection and answers it.
const RECEIVER = `
const e = require(${JSON.stringify(ROOT)})
const ep = new e.Epoll()
ep.register(3, e.EPOLLIN)
ep.poll(10000)
const buf = Buffer.alloc(16)
const got = e.recvFds(3, buf)
const [pipeEnd, listener] = got.fds
const cloexec = got.fds.map((fd) => (parseInt(/flags:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/fdinfo/' + fd, 'utf8'))[1], 8) & 0o2000000) !== 0)
e.write(pipeEnd, Buffer.from('written by pid ' + process.pid + ' ' + buf.toString('utf8', 0, got.bytes)))
ep.register(listener, e.EPOLLIN)
ep.poll(10000)
const conn = e.accept(listener)
e.write(conn, Buffer.from('accepted by the child'))
console.log(JSON.stringify({ bytes: got.bytes, count: got.fds.length, truncated: got.truncated, cloexec }))
`

test('a pipe write end and a listening socket passed to another Node process work there', async (t) => {
  const [parentEnd, childEnd] = socketpair()
  const [r, w] = pipe()
  const listener = listenTcp(0)
  const { port } = localAddress(listener)
  const receiver = start(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'pipe', childEnd] })
  close(childEnd)
  t.is(sendFds(parentEnd, [w, listener], Buffer.from('hi')), 2)
  // Only the child holds them now: whatever happens on them next is its doing.
  close(w)
  close(listener)
  const socket = connect({ port, host: '127.0.0.1' })
  const [answer] = await once(socket, 'data')
  t.is(answer.toString(), 'accepted by the child')
  socket.destroy()
  const result = await receiver.done
  t.is(result.code, 0, result.stderr)
  t.deepEqual(JSON.parse(result.stdout), { bytes: 2, count: 2, truncated: false, cloexec: [true, true] })
  const line = Buffer.alloc(64)
  const n = read(r, line)
  t.is(line.toString('utf8', 0, n), `written by pid ${receiver.child.pid} hi`)
  t.is(read(r, line), 0, 'the child exited: no write end is left open anywhere')
  close(r)
  close(parentEnd)
})

// QEMU 7.2's user mode receives every fd into a larger buffer of its own, hands the program those that
// fit, and neither sets MSG_CTRUNC nor closes the rest (checked with a C program under qemu-aarch64).
testUnlessEmulated('drops the fds beyond the buffer without MSG_CTRUNC and leaks them')('fds beyond maxFds are closed and reported as truncated, none leaked', (t) => {
  const [a, b] = socketpair()
  const [r, w] = pipe()
  const before = openFdCount()
  sendFds(a, [w, w, w, w, w])
  close(w)
  const got = recvFds(b, Buffer.alloc(1), 2)!
  t.is(got.fds.length, 2)
  t.true(got.fdsTruncated)
  t.false(got.truncated, 'the data fit')
  t.is(openFdCount(), before + 2 - 1, 'two copies received, the original closed')
  t.true(got.fds.every((fd) => isCloseOnExec(fd)))
  t.is(read(r, Buffer.alloc(1)), -1, 'a received copy of the write end is open')
  for (const fd of got.fds) close(fd)
  t.is(read(r, Buffer.alloc(1)), 0, 'every write end is closed: the three dropped copies too')
  for (const fd of [a, b, r]) close(fd)
})

test('maxFds 0 takes the data and closes every fd that came with it', (t) => {
  const [a, b] = socketpair()
  const [r, w] = pipe()
  sendFds(a, [w], Buffer.from('data'))
  close(w)
  const buf = Buffer.alloc(8)
  t.deepEqual(recvFds(b, buf, 0), { bytes: 4, fds: [], truncated: false, fdsTruncated: true })
  t.is(read(r, buf), 0)
  for (const fd of [a, b, r]) close(fd)
})

test('recvFds is null while nothing waits, and { bytes: 0 } at end of stream', (t) => {
  const [a, b] = socketpair()
  t.is(recvFds(b, Buffer.alloc(4)), null)
  close(a)
  t.deepEqual(recvFds(b, Buffer.alloc(4)), { bytes: 0, fds: [], truncated: false, fdsTruncated: false })
  close(b)
})

test('sendFds with no data sends one byte; the fds arrive on an Epoll-driven reader', async (t) => {
  const [a, b] = socketpair()
  const [r, w] = pipe()
  using ep = new Epoll()
  const arrived = new Promise<number[]>((resolve) => {
    ep.register(b, EPOLLIN, () => {
      const got = recvFds(b, Buffer.alloc(4))!
      ep.unregister(b)
      resolve(got.fds)
    })
  })
  t.is(sendFds(a, [{ fd: r }]), 1)
  const [copy] = await arrived
  write(w, Buffer.from('x'))
  t.is(read(copy, Buffer.alloc(4)), 1, 'the copy reads what the original pipe holds')
  for (const fd of [a, b, r, w, copy]) close(fd)
})

test('peerCredentials names the child process at the other end of a unix socket', async (t) => {
  const path = `/tmp/epoll-napi-peercred-${process.pid}.sock`
  const listener = listenUnix(path)
  const client = start(process.execPath, ['-e', `const s = require('net').connect(${JSON.stringify(path)}); s.on('data', () => s.end())`])
  let conn = -1
  await until(() => (conn = accept(listener)) >= 0)
  const cred = peerCredentials(conn)
  t.deepEqual(cred, { pid: client.child.pid!, uid: process.getuid!(), gid: process.getgid!() })
  write(conn, Buffer.from('bye'))
  close(conn)
  t.is((await client.done).code, 0)
  close(listener)
  require('node:fs').unlinkSync(path)
})

test('peerCredentials of something that is not a socket is ENOTSOCK', (t) => {
  const [r, w] = pipe()
  throwsSystemError(t, () => peerCredentials(r), 'ENOTSOCK', 'getsockopt')
  close(r)
  close(w)
})

test('bad arguments are coded errors before any system call, and nothing is leaked', (t) => {
  const [a, b] = socketpair()
  const [r, w] = pipe()
  const before = openFdCount()
  const tooMany = new Array(SCM_MAX_FD + 1).fill(w)
  t.throws(() => sendFds(a, []), { code: 'ERR_OUT_OF_RANGE', message: /"fds.length".*>= 1 and <= 253/ })
  t.throws(() => sendFds(a, tooMany), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => sendFds(a, w as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"fds" argument/ })
  t.throws(() => sendFds(a, [w, -1]), { code: 'ERR_OUT_OF_RANGE', message: /"fds\[1\]"/ })
  t.throws(() => sendFds(a, [w, '3' as never]), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => sendFds(a, [w], Buffer.alloc(0)), { code: 'ERR_OUT_OF_RANGE', message: /"data.byteLength"/ })
  t.throws(() => sendFds(a, [w], 'x' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  throwsSystemError(t, () => sendFds(r, [w]), 'ENOTSOCK', 'sendmsg')
  throwsSystemError(t, () => sendFds(a, [1 << 30]), 'EBADF', 'sendmsg')
  t.throws(() => recvFds(b, Buffer.alloc(0)), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => recvFds(b, [] as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => recvFds(b, Buffer.alloc(4), 254), { code: 'ERR_OUT_OF_RANGE', message: /"maxFds"/ })
  t.throws(() => recvFds(b, Buffer.alloc(4), 1.5), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => recvFds(b, Buffer.alloc(4), '2' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => peerCredentials(-1), { code: 'ERR_OUT_OF_RANGE' })
  t.is(recvFds(b, Buffer.alloc(4)), null, 'nothing was sent by the refused calls')
  t.is(openFdCount(), before)
  for (const fd of [a, b, r, w]) close(fd)
})
