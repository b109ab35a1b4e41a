import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { IPPROTO_ICMP, socket } from '../../index.js'
import { ROOT } from '../helpers/child.js'
import { throwsSystemError } from '../helpers/errors.js'
import { closeAll } from '../helpers/readiness.js'
import { skipIf, testIf } from '../helpers/skip-if.js'

const PING = join(__dirname, '..', 'fixtures', 'icmp-ping.cjs')

/** Whether this process's group may open ICMP echo sockets (net.ipv4.ping_group_range). */
const pingAllowed = (() => {
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8').trim().split(/\s+/).map(Number)
  const gid = process.getgid!()
  return gid >= low && gid <= high
})()

testIf(!pingAllowed, 'this machine allows ping sockets for our group, so there is no EACCES to see')('an ICMP echo socket outside net.ipv4.ping_group_range is a coded EACCES from socket', (t) => {
  throwsSystemError(t, () => socket('ipv4', 'dgram', IPPROTO_ICMP), 'EACCES', 'socket')
})

testIf(pingAllowed, 'this machine refuses ping sockets to our group (net.ipv4.ping_group_range)')('an ICMP echo socket inside net.ipv4.ping_group_range opens', (t) => {
  const fd = socket('ipv4', 'dgram', IPPROTO_ICMP)
  t.teardown(() => closeAll(fd))
  t.true(fd >= 0)
})

// ping_group_range is per network namespace: the ping runs in a fresh one, with its own loopback up.
const NAMESPACE_SETUP = 'ip link set lo up && echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range'

/** Why no private network namespace that allows ping sockets can be made here (root only), or undefined. */
const namespaceUnavailable = (() => {
  const probe = spawnSync('unshare', ['--net', 'sh', '-c', NAMESPACE_SETUP], { encoding: 'utf8', timeout: 30_000 })
  return probe.status === 0 ? undefined : `no private network namespace here (${(probe.stderr || String(probe.error)).trim()})`
})()

skipIf(namespaceUnavailable)('an ICMP echo socket pings 127.0.0.1 and reads the echo reply (in a private network namespace that allows ping sockets)', (t) => {
  const script = `${NAMESPACE_SETUP} && exec "$0" "$@"`
  const result = spawnSync('unshare', ['--net', 'sh', '-c', script, process.execPath, PING, ROOT], { encoding: 'utf8', timeout: 30_000 })
  t.is(result.status, 0, result.stderr)
  const out = JSON.parse(result.stdout)
  t.is(out.sent, 23)
  t.is(out.ready, 1, 'the reply made the socket readable')
  t.deepEqual(out.from, { address: '127.0.0.1', port: 0, family: 'IPv4' })
  t.is(out.type, 0, 'ICMP echo reply')
  t.is(out.sequence, 1)
  t.is(out.payload, 'epoll-napi ping')
  t.is(out.bytes, 23)
})
