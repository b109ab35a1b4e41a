/**
 * Issue 23, item 5: `recvFds` reports a message cut short apart from fds dropped. `truncated` means what
 * it means in Python's `socket.recv_fds` (`MSG_TRUNC`: the data did not fit); `fdsTruncated` means fds
 * were closed (`MSG_CTRUNC`, or more than `maxFds`). On a stream socket nothing is lost, so `truncated`
 * stays false there.
 */
import test from 'ava'

import { close, pipe, read, recvFds, sendFds, socketpair } from '../../index.js'

for (const type of ['seqpacket', 'dgram'] as const) {
  test(`a ${type} message larger than the buffer is reported as truncated, and its fd still arrives`, (t) => {
    const [a, b] = socketpair(type)
    const [r, w] = pipe()
    sendFds(a, [w], Buffer.from('abcdef'))
    const buffer = Buffer.alloc(2)
    const got = recvFds(b, buffer)!
    t.deepEqual({ ...got, fds: got.fds.length }, { bytes: 2, fds: 1, truncated: true, fdsTruncated: false })
    t.is(buffer.toString(), 'ab')
    t.is(recvFds(b, Buffer.alloc(8)), null, 'the rest of the message is gone, as the flag says')
    for (const fd of [...got.fds, a, b, r, w]) close(fd)
  })

  test(`a ${type} message whose data fits but whose fds do not reports fdsTruncated only`, (t) => {
    const [a, b] = socketpair(type)
    const [r, w] = pipe()
    sendFds(a, [w, w, w], Buffer.from('ab'))
    close(w)
    const got = recvFds(b, Buffer.alloc(2), 1)!
    t.deepEqual({ ...got, fds: got.fds.length }, { bytes: 2, fds: 1, truncated: false, fdsTruncated: true })
    close(got.fds[0])
    t.is(read(r, Buffer.alloc(1)), 0, 'the dropped copies were closed')
    for (const fd of [a, b, r]) close(fd)
  })
}

test('on a stream socket the rest of the data waits for the next call: never truncated', (t) => {
  const [a, b] = socketpair('stream')
  const [r, w] = pipe()
  sendFds(a, [w], Buffer.from('abcdef'))
  const got = recvFds(b, Buffer.alloc(2))!
  t.like(got, { bytes: 2, truncated: false, fdsTruncated: false })
  const rest = Buffer.alloc(8)
  t.like(recvFds(b, rest), { bytes: 4 })
  for (const fd of [...got.fds, a, b, r, w]) close(fd)
})
