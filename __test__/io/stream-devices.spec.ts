import test from 'ava'
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, constants, existsSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'

import { ioctl, openStream } from '../../index.js'
import { ROOT } from '../helpers/child.js'
import { skipIf } from '../helpers/skip-if.js'
import { closed, HashSink, sha256 } from '../helpers/streams.js'

// <asm-generic/ioctls.h>: unlock the slave of a new pty, and ask its number.
const TIOCSPTLCK = 0x40045431
const TIOCGPTN = 0x80045430

function hasProgram(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0
}

test('a pty master as a stream: pipeline of a child shell’s output through it, every byte, ended by the child’s exit', async (t) => {
  const master = openSync('/dev/ptmx', constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK)
  ioctl(master, TIOCSPTLCK, Buffer.alloc(4))
  const number = Buffer.alloc(4)
  ioctl(master, TIOCGPTN, number)
  const slave = openSync(`/dev/pts/${number.readUInt32LE()}`, constants.O_RDWR | constants.O_NOCTTY)
  const stream = openStream(master)
  // Raw mode first: the terminal then passes every byte as written (no "\n" to "\r\n").
  const child = spawn('sh', ['-c', 'stty raw -echo; seq 1 60000'], { stdio: [slave, slave, slave] })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  // Only the child holds the slave now: its exit is the master's end (EIO, which the stream reads as the end).
  closeSync(slave)
  const sink = new HashSink()
  await pipeline(stream, sink)
  const expected = Buffer.from(Array.from({ length: 60000 }, (_, i) => `${i + 1}\n`).join(''))
  t.is(sink.bytes, expected.length)
  t.is(sink.digest(), sha256(expected))
  await closed(stream)
  t.is(stream.fd, -1)
  t.is(await exited, 0)
})

const tunSkip =
  process.getuid?.() !== 0
    ? 'needs root for /dev/net/tun and a network namespace'
    : !existsSync('/dev/net/tun')
      ? '/dev/net/tun is missing'
      : !hasProgram('unshare') || !hasProgram('ping') || !hasProgram('ip')
        ? 'unshare, ping or ip is missing'
        : null

skipIf(tunSkip)('a TUN device as a stream answers ping inside unshare --net: one chunk per packet', (t) => {
  const result = spawnSync('unshare', ['--net', process.execPath, '--import', 'tsx', join(ROOT, '__test__', 'fixtures', 'stream-tun-ping.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  })
  t.is(result.status, 0, result.stderr)
  const report = JSON.parse(result.stdout) as { messages: boolean; sizes: number[]; answered: number[]; status: number; received: string }
  t.true(report.messages, 'a TUN fd is detected as a message fd')
  t.deepEqual(report.answered, [1, 2, 3])
  t.is(report.status, 0, 'ping got its replies')
  t.is(report.received, '3')
  // ping -s 100: 100 bytes of payload, 8 of ICMP header, 20 of IPv4 header, one packet per chunk.
  t.is(report.sizes.filter((size) => size === 128).length, 3)
})

test('an always-ready source does not starve timers: /dev/random never says EAGAIN, and a 10 ms interval keeps firing', async (t) => {
  const fd = openSync('/dev/random', constants.O_RDONLY | constants.O_NONBLOCK)
  const stream = openStream(fd)
  // Read for at least 500 ms and until 2 MiB have come (the source was always ready), however long a
  // loaded machine takes; meanwhile a 10 ms interval counts the turns the event loop still gets. The
  // end is decided in the data handler, which a starved loop still runs: it would get there with no
  // tick at all. No throughput is asserted.
  const enough = 2 << 20
  let bytes = 0
  let ticks = 0
  const interval = setInterval(() => ticks++, 10)
  const started = performance.now()
  await new Promise<void>((resolve) => {
    const giveUp = setTimeout(resolve, 60_000)
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes >= enough && performance.now() - started >= 500) {
        clearTimeout(giveUp)
        resolve()
      }
    })
  })
  const elapsed = performance.now() - started
  clearInterval(interval)
  stream.destroy()
  await closed(stream)
  t.true(bytes >= enough, `the stream kept reading (${bytes} bytes in ${elapsed.toFixed(0)} ms)`)
  // 500 ms or more: an idle loop ticks about 50 times, a starved one never.
  t.true(ticks >= 15, `the interval fired ${ticks} times in ${elapsed.toFixed(0)} ms`)
})
