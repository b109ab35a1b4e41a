/**
 * A TUN device that answers pings: a tiny user-space network stack. The kernel routes packets for
 * 10.9.0.0/24 into the device; this program reads each IPv4 packet from the device's fd (an `Epoll`
 * handler), and for every ICMP echo request to an address other than the device's own 10.9.0.1 writes
 * the echo reply back into the device, which the kernel then delivers to the pinger.
 *
 *   sudo node --import tsx examples/tun-ping.ts               # then, in the namespace: ping 10.9.0.2
 *   sudo node --import tsx examples/tun-ping.ts --self-test   # pings itself 3 times (python3), prints JSON
 *
 * It needs root (`/dev/net/tun`, `ip`), and runs itself inside a private network namespace
 * (`unshare --net`) so that nothing on the host changes. Uses `ioctl(TUNSETIFF)` with a `struct ifreq`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { closeSync, constants, openSync } from 'node:fs'

import { Epoll, EPOLLIN, WOULD_BLOCK, ioctl, ioctlRequest, read, write } from '../index.js'

const selfTest = process.argv.includes('--self-test')

if (process.getuid?.() !== 0) {
  console.error('tun-ping needs root: it opens /dev/net/tun and makes a network namespace')
  process.exit(1)
}

if (process.env.TUN_PING_NAMESPACE !== '1') {
  // Re-run this very script inside a fresh network namespace: the device and its routes vanish with it.
  const result = spawnSync('unshare', ['--net', process.execPath, ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, TUN_PING_NAMESPACE: '1' },
  })
  if (result.error) throw result.error
  process.exit(result.status ?? 1)
}

// <linux/if_tun.h>: TUNSETIFF is _IOW('T', 202, int), although the kernel reads a whole struct ifreq
// through it (40 bytes: a 16-byte name, then the flags as a short).
const TUNSETIFF = ioctlRequest('write', 'T', 202, 4)
const IFF_TUN = 0x0001
const IFF_NO_PI = 0x1000
const IFREQ_SIZE = 40

const tun = openSync('/dev/net/tun', constants.O_RDWR | constants.O_NONBLOCK)
const ifr = Buffer.alloc(IFREQ_SIZE)
ifr.write('tun%d', 0, 'latin1')
ifr.writeUInt16LE(IFF_TUN | IFF_NO_PI, 16)
ioctl(tun, TUNSETIFF, ifr)
const name = ifr.toString('latin1', 0, ifr.indexOf(0))
execFileSync('ip', ['addr', 'add', '10.9.0.1/24', 'dev', name])
execFileSync('ip', ['link', 'set', name, 'up'])

/** The Internet checksum (RFC 1071) of `bytes`. */
function checksum(bytes: Buffer): number {
  let sum = 0
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += bytes.readUInt16BE(i)
  if (bytes.length % 2) sum += bytes[bytes.length - 1] << 8
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

/** The echo reply to an IPv4 ICMP echo request, or null for any other packet. */
function answer(packet: Buffer): Buffer | null {
  if (packet.length < 20 || packet[0] >> 4 !== 4 || packet[9] !== 1) return null
  const headerLength = (packet[0] & 0x0f) * 4
  const dst = packet.subarray(16, 20)
  if (packet[headerLength] !== 8 || dst.equals(Buffer.from([10, 9, 0, 1]))) return null
  const reply = Buffer.from(packet)
  packet.copy(reply, 12, 16, 20) // source := the pinged address
  packet.copy(reply, 16, 12, 16) // destination := the pinger
  reply[8] = 64 // TTL
  reply.writeUInt16BE(0, 10)
  reply.writeUInt16BE(checksum(reply.subarray(0, headerLength)), 10)
  reply[headerLength] = 0 // echo reply
  reply.writeUInt16BE(0, headerLength + 2)
  reply.writeUInt16BE(checksum(reply.subarray(headerLength)), headerLength + 2)
  return reply
}

const ep = new Epoll()
const packet = Buffer.alloc(65536)
const seen: { from: string; to: string; type: number; seq: number }[] = []
ep.register(tun, EPOLLIN, () => {
  for (let n = read(tun, packet); n !== WOULD_BLOCK; n = read(tun, packet)) {
    const p = packet.subarray(0, n)
    const reply = answer(p)
    if (reply === null) continue
    const headerLength = (p[0] & 0x0f) * 4
    seen.push({ from: p.subarray(12, 16).join('.'), to: p.subarray(16, 20).join('.'), type: p[headerLength], seq: p.readUInt16BE(headerLength + 6) })
    write(tun, reply)
  }
})

function shutdown(code: number): never {
  ep.close()
  closeSync(tun)
  process.exit(code)
}

// A pinger for the self test: Node has no raw sockets, Python's standard library does.
const PINGER = `
import json, socket, struct, time
def csum(b):
    if len(b) % 2: b += b'\\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while t > 0xffff: t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(5)
replies = []
for seq in range(1, 4):
    payload = b'epoll-napi'
    c = csum(struct.pack('!BBHHH', 8, 0, 0, 0x4e50, seq) + payload)
    start = time.monotonic()
    s.sendto(struct.pack('!BBHHH', 8, 0, c, 0x4e50, seq) + payload, ('10.9.0.2', 0))
    while True:
        data, addr = s.recvfrom(1500)
        ihl = (data[0] & 15) * 4
        kind, _, _, ident, sq = struct.unpack('!BBHHH', data[ihl:ihl + 8])
        if kind == 0 and ident == 0x4e50 and sq == seq:
            replies.append({'seq': sq, 'from': addr[0], 'payload': data[ihl + 8:].decode(), 'ms': round((time.monotonic() - start) * 1000, 3)})
            break
print(json.dumps(replies))
`

if (selfTest) {
  const pinger = spawn('python3', ['-c', PINGER], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  pinger.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  pinger.on('close', (code) => {
    const replies = code === 0 ? JSON.parse(out) : []
    console.log(JSON.stringify({ device: name, requests: seen, replies }))
    shutdown(code === 0 && replies.length === 3 ? 0 : 1)
  })
} else {
  console.log(`${name} is up as 10.9.0.1/24. From another shell: nsenter --net=/proc/${process.pid}/ns/net ping 10.9.0.2 (Ctrl-C stops)`)
  process.on('SIGINT', () => shutdown(0))
  process.on('SIGTERM', () => shutdown(0))
}
