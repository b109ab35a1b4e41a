import test from 'ava'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

import { close, Epoll, ioctl, ioctlRequest, pipe, write } from '../../index.js'
import { netnsUnavailable, openFdCount, tunUnavailable } from '../helpers/daemon.js'
import { busyPollUnavailable } from '../helpers/busy-poll-support.js'
import { scaled, testUnlessEmulated } from '../helpers/emulation.js'
import { throwsSystemError } from '../helpers/errors.js'
import { skipIf } from '../helpers/skip-if.js'

const FIONREAD = 0x541b
// EPIOCGPARAMS = _IOR(0x8A, 0x02, struct epoll_params): the kernel writes 8 bytes.
const EPIOCGPARAMS = 0x80088a02

test('ioctl(FIONREAD) counts the bytes a pipe holds', (t) => {
  const [r, w] = pipe()
  write(w, Buffer.from('twelve bytes'))
  const count = new Int32Array(1)
  t.is(ioctl(r, FIONREAD, count), 0)
  t.is(count[0], 12)
  close(r)
  close(w)
})

test('ioctlRequest builds the kernel _IO/_IOR/_IOW/_IOWR numbers, unsigned', (t) => {
  t.is(ioctlRequest('read', 'E', 0x01, 4), 0x80044501, 'EVIOCGVERSION')
  t.is(ioctlRequest('write', 'T', 202, 4), 0x400454ca, 'TUNSETIFF')
  t.is(ioctlRequest('read', 0x8a, 0x02, 8), EPIOCGPARAMS)
  t.is(ioctlRequest('none', 'T', 1, 0), 0x5401, '_IO')
  t.is(ioctlRequest('readwrite', 'U', 0, 16), 0xc0105500)
})

skipIf(busyPollUnavailable && `EPIOCGPARAMS gives ${busyPollUnavailable} here`)('ioctl accepts a request signed or unsigned, and the kernel writes the view in place', (t) => {
  using ep = new Epoll()
  ep.setBusyPoll({ usecs: 25, budget: 8, prefer: true })
  const unsigned = Buffer.alloc(8, 0xff)
  const signed = Buffer.alloc(8, 0xff)
  t.is(ioctl(ep.fd, EPIOCGPARAMS, unsigned), 0)
  t.is(ioctl(ep.fd, EPIOCGPARAMS | 0, signed), 0)
  t.true((EPIOCGPARAMS | 0) < 0)
  t.deepEqual(signed, unsigned)
  t.is(unsigned.readUInt32LE(0), 25)
  t.is(unsigned.readUInt16LE(4), 8)
  t.is(unsigned[6], 1)
})

test('a view smaller than the size the request encodes is refused before the system call', (t) => {
  using ep = new Epoll()
  const small = Buffer.alloc(4, 0xaa)
  t.throws(() => ioctl(ep.fd, EPIOCGPARAMS, small), { code: 'ERR_OUT_OF_RANGE', message: /"arg.byteLength".*>= 8.*Received 4/ })
  t.deepEqual(small, Buffer.alloc(4, 0xaa), 'the kernel never saw it')
})

// QEMU's user mode passes only the ioctls in its own table to the kernel.
testUnlessEmulated('answers a request missing from its ioctl table with ENOSYS, without asking the kernel')('a request the fd does not know is the kernel ENOTTY; a closed fd EBADF', (t) => {
  const [r, w] = pipe()
  throwsSystemError(t, () => ioctl(r, ioctlRequest('none', 'x', 0x7f, 0)), 'ENOTTY', 'ioctl')
  close(r)
  close(w)
  throwsSystemError(t, () => ioctl(r, FIONREAD, new Int32Array(1)), 'EBADF', 'ioctl')
})

test('bad ioctl and ioctlRequest arguments are coded errors, nothing leaked', (t) => {
  const [r, w] = pipe()
  const before = openFdCount()
  t.throws(() => ioctl(r, 2 ** 32), { code: 'ERR_OUT_OF_RANGE', message: /"request"/ })
  t.throws(() => ioctl(r, -(2 ** 31) - 1), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => ioctl(r, 1.5), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => ioctl(r, '1' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => ioctl(r, FIONREAD, 2 ** 60), { code: 'ERR_OUT_OF_RANGE', message: /"arg"/ })
  t.throws(() => ioctl(r, FIONREAD, [] as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"arg"/ })
  t.throws(() => ioctl(-1, FIONREAD), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => ioctlRequest('both' as never, 'T', 1, 4), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => ioctlRequest('read', 'TT', 1, 4), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => ioctlRequest('read', 256, 1, 4), { code: 'ERR_OUT_OF_RANGE', message: /"type"/ })
  t.throws(() => ioctlRequest('read', 'T', 256, 4), { code: 'ERR_OUT_OF_RANGE', message: /"nr"/ })
  t.throws(() => ioctlRequest('read', 'T', 1, 16384), { code: 'ERR_OUT_OF_RANGE', message: /"size".*<= 16383/ })
  t.throws(() => ioctlRequest('none', 'T', 1, 4), { code: 'ERR_INVALID_ARG_VALUE', message: /'size'/ })
  t.is(openFdCount(), before)
  close(r)
  close(w)
})

// The example makes the device in a private network namespace (`unshare --net`), so nothing on the host changes.
const tunTest = skipIf(tunUnavailable() || netnsUnavailable())

tunTest('a TUN device made with ioctl(TUNSETIFF) in a private namespace reads a ping through an Epoll handler and answers it', (t) => {
  const example = join(__dirname, '..', '..', 'examples', 'tun-ping.ts')
  const result = spawnSync(process.execPath, ['--import', 'tsx', example, '--self-test'], { encoding: 'utf8', timeout: scaled(60_000) })
  t.is(result.status, 0, result.stderr)
  const out = JSON.parse(result.stdout.trim().split('\n').pop()!)
  t.regex(out.device, /^tun\d+$/, 'the kernel wrote the name it chose back into the ifreq view')
  t.deepEqual(
    out.requests.map((r: { type: number; seq: number; from: string; to: string }) => [r.type, r.seq, r.from, r.to]),
    [1, 2, 3].map((seq) => [8, seq, '10.9.0.1', '10.9.0.2']),
    'every ICMP echo request was read from the TUN fd',
  )
  t.deepEqual(
    out.replies.map((r: { seq: number; from: string; payload: string }) => [r.seq, r.from, r.payload]),
    [1, 2, 3].map((seq) => [seq, '10.9.0.2', 'epoll-napi']),
    'the pinger got each reply written into the device',
  )
})
