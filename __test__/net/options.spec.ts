import test from 'ava'

import {
  getSocketOption,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV6_V6ONLY,
  listenTcp,
  listenUdp,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_TYPE,
  SOCK_DGRAM,
  SOCK_STREAM,
  socket,
  setSocketOption,
  SOL_SOCKET,
  TCP_KEEPIDLE,
  TCP_NODELAY,
} from '../../index.js'
import { throwsSystemError } from '../helpers/errors.js'
import { closeAll } from '../helpers/readiness.js'
import { skipIf } from '../helpers/skip-if.js'

// The socket constants' values (every one against the core's table, from libc) are checked by
// package/constants-agree.spec.ts.

test('SO_RCVBUF round trip: the kernel doubles what is set (for its own bookkeeping)', (t) => {
  const fd = listenUdp(0)
  t.teardown(() => closeAll(fd))
  setSocketOption(fd, SOL_SOCKET, SO_RCVBUF, 65536)
  t.is(getSocketOption(fd, SOL_SOCKET, SO_RCVBUF), 131072)
})

test('SO_REUSEADDR and TCP_NODELAY round trip as booleans and numbers', (t) => {
  const fd = socket('ipv4', 'stream')
  t.teardown(() => closeAll(fd))
  t.is(getSocketOption(fd, SOL_SOCKET, SO_REUSEADDR), 0)
  setSocketOption(fd, SOL_SOCKET, SO_REUSEADDR, true)
  t.is(getSocketOption(fd, SOL_SOCKET, SO_REUSEADDR), 1)
  setSocketOption(fd, IPPROTO_TCP, TCP_NODELAY, 1)
  t.is(getSocketOption(fd, IPPROTO_TCP, TCP_NODELAY), 1)
  setSocketOption(fd, IPPROTO_TCP, TCP_NODELAY, false)
  t.is(getSocketOption(fd, IPPROTO_TCP, TCP_NODELAY), 0)
  setSocketOption(fd, IPPROTO_TCP, TCP_KEEPIDLE, 42)
  t.is(getSocketOption(fd, IPPROTO_TCP, TCP_KEEPIDLE), 42)
  setSocketOption(fd, SOL_SOCKET, SO_KEEPALIVE, new Int32Array([1]))
  const into = new Int32Array(1)
  t.is(getSocketOption(fd, SOL_SOCKET, SO_KEEPALIVE, into), 4)
  t.is(into[0], 1)
})

/** Why no IPv6 socket can be bound here (some containers have no IPv6 at all), or undefined. */
const ipv6Unavailable = (() => {
  try {
    closeAll(listenUdp(0, '::', { ipv6Only: true }))
    closeAll(listenUdp(0, '::', { ipv6Only: false }))
    return undefined
  } catch (error) {
    return `no IPv6 here (${(error as Error).message})`
  }
})()

skipIf(ipv6Unavailable)('IPV6_V6ONLY: listenUdp sets it when asked, it reads back, and it can only change before bind', (t) => {
  const only = listenUdp(0, '::', { ipv6Only: true })
  const dual = listenUdp(0, '::', { ipv6Only: false })
  t.teardown(() => closeAll(only, dual))
  t.is(getSocketOption(only, IPPROTO_IPV6, IPV6_V6ONLY), 1)
  t.is(getSocketOption(dual, IPPROTO_IPV6, IPV6_V6ONLY), 0)
  throwsSystemError(t, () => setSocketOption(dual, IPPROTO_IPV6, IPV6_V6ONLY, true), 'EINVAL', 'setsockopt')
  const unbound = socket('ipv6', 'dgram')
  t.teardown(() => closeAll(unbound))
  setSocketOption(unbound, IPPROTO_IPV6, IPV6_V6ONLY, true)
  t.is(getSocketOption(unbound, IPPROTO_IPV6, IPV6_V6ONLY), 1)
})

test('SO_LINGER is a struct of two ints: set and read back as an Int32Array of 8 bytes', (t) => {
  const fd = socket('ipv4', 'stream')
  t.teardown(() => closeAll(fd))
  setSocketOption(fd, SOL_SOCKET, SO_LINGER, new Int32Array([1, 5]))
  const linger = new Int32Array(2)
  t.is(getSocketOption(fd, SOL_SOCKET, SO_LINGER, linger), 8)
  t.deepEqual([...linger], [1, 5])
})

test('SO_TYPE and SO_PROTOCOL say what a socket is', (t) => {
  const udp = listenUdp(0)
  const tcp = listenTcp(0)
  t.teardown(() => closeAll(udp, tcp))
  t.deepEqual([getSocketOption(udp, SOL_SOCKET, SO_TYPE), getSocketOption(udp, SOL_SOCKET, SO_PROTOCOL)], [SOCK_DGRAM, IPPROTO_UDP])
  t.deepEqual([getSocketOption(tcp, SOL_SOCKET, SO_TYPE), getSocketOption(tcp, SOL_SOCKET, SO_PROTOCOL)], [SOCK_STREAM, IPPROTO_TCP])
})

test('an option the kernel does not know is ENOPROTOOPT; a TCP option on UDP is ENOTSUP (EOPNOTSUPP) or ENOPROTOOPT', (t) => {
  const fd = listenUdp(0)
  t.teardown(() => closeAll(fd))
  throwsSystemError(t, () => getSocketOption(fd, SOL_SOCKET, 9999), 'ENOPROTOOPT', 'getsockopt')
  const error = t.throws(() => setSocketOption(fd, IPPROTO_TCP, TCP_NODELAY, true)) as NodeJS.ErrnoException
  t.true(['ENOTSUP', 'ENOPROTOOPT'].includes(error.code!), error.message)
})
