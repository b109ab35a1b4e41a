import test from 'ava'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { addWatch, close, describeInotify, IN_ALL_EVENTS, IN_CLOSE_WRITE, IN_CREATE, IN_ISDIR, inotify, readInotifyEvents, socket } from '../../index.js'

test('describeInotify names the bits of a real event, in bit order, as describeEvents does for epoll', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'describe-'))
  const fd = inotify()
  addWatch(fd, dir, IN_CREATE)
  mkdirSync(join(dir, 'sub'))
  const [event] = readInotifyEvents(fd)!
  t.deepEqual(describeInotify(event.mask), ['IN_CREATE', 'IN_ISDIR'])
  t.deepEqual(describeInotify(IN_ISDIR | IN_CLOSE_WRITE), ['IN_CLOSE_WRITE', 'IN_ISDIR'])
  t.is(describeInotify(IN_ALL_EVENTS).length, 12, 'the combination names no bit of its own')
  t.deepEqual(describeInotify(0x800000 | IN_CREATE), ['IN_CREATE', '0x800000'])
  t.deepEqual(describeInotify(0), [])
  t.throws(() => describeInotify('IN_CREATE' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  close(fd)
  rmSync(dir, { recursive: true })
})

test("socket() takes Node's family names 'IPv4' and 'IPv6' as well as the lowercase ones", (t) => {
  for (const family of ['IPv4', 'ipv4', 'IPv6', 'ipv6'] as const) {
    const fd = socket(family, 'dgram')
    t.true(fd >= 0, family)
    close(fd)
  }
  t.throws(() => socket('IPV4' as never, 'dgram'), { code: 'ERR_INVALID_ARG_VALUE', message: /'IPv4', 'IPv6'/ })
})
