import test from 'ava'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { IPPROTO_ICMP, socket } from '../../index.js'
import { ROOT } from '../helpers/child.js'
import { throwsSystemError } from '../helpers/errors.js'
import { closeAll } from '../helpers/readiness.js'

const PING = join(__dirname, '..', 'fixtures', 'icmp-ping.cjs')

function pingAllowedHere(): boolean {
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8').trim().split(/\s+/).map(Number)
  const gid = process.getgid!()
  return gid >= low && gid <= high
}

test('an ICMP echo socket outside net.ipv4.ping_group_range is a coded EACCES from socket', (t) => {
  if (pingAllowedHere()) {
    closeAll(socket('ipv4', 'dgram', IPPROTO_ICMP))
    t.log('skipped: this machine allows ping sockets for our group, so there is no EACCES to see')
    t.pass()
    return
  }
  throwsSystemError(t, () => socket('ipv4', 'dgram', IPPROTO_ICMP), 'EACCES', 'socket')
})

test('an ICMP echo socket pings 127.0.0.1 and reads the echo reply (in a private network namespace that allows ping sockets)', (t) => {
  // ping_group_range is per network namespace: open it in a fresh one, with its own loopback up.
  const script = 'ip link set lo up && echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range && exec "$0" "$@"'
  const result = spawnSync('unshare', ['--net', 'sh', '-c', script, process.execPath, PING, ROOT], { encoding: 'utf8', timeout: 30_000 })
  if (result.status !== 0 && /unshare failed|Operation not permitted|No such file/.test(result.stderr ?? String(result.error))) {
    t.log(`skipped: no private network namespace here (${(result.stderr || String(result.error)).trim()})`)
    t.pass()
    return
  }
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
