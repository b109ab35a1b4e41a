import test from 'ava'
import { mkdtempSync, renameSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  addWatch,
  close,
  Epoll,
  EPOLLIN,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_IGNORED,
  IN_ISDIR,
  IN_MODIFY,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_MOVE,
  type InotifyEvent,
  inotify,
  readInotifyEvents,
  removeWatch,
} from '../../index.js'
import { isCloseOnExec, openFdCount } from '../helpers/daemon.js'
import { throwsSystemError } from '../helpers/errors.js'

function tempFolder(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'epoll-napi-inotify-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('a watched folder reports create, modify, close-after-write, and a rename as one cookie pair, through an Epoll handler', async (t) => {
  const dir = tempFolder(t)
  const fd = inotify()
  t.true(isCloseOnExec(fd))
  const wd = addWatch(fd, dir, IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVE)
  using ep = new Epoll()
  const events: InotifyEvent[] = []
  const renamed = new Promise<void>((resolve) => {
    ep.register(fd, EPOLLIN, () => {
      for (let batch = readInotifyEvents(fd); batch !== null; batch = readInotifyEvents(fd)) events.push(...batch)
      if (events.some((e) => e.mask & IN_MOVED_TO)) resolve()
    })
  })
  const file = openSync(join(dir, 'draft.txt'), 'w')
  writeSync(file, 'hello')
  closeSync(file)
  renameSync(join(dir, 'draft.txt'), join(dir, 'final.txt'))
  await renamed
  t.deepEqual(
    events.map((e) => [e.mask, e.name]),
    [
      [IN_CREATE, 'draft.txt'],
      [IN_MODIFY, 'draft.txt'],
      [IN_CLOSE_WRITE, 'draft.txt'],
      [IN_MOVED_FROM, 'draft.txt'],
      [IN_MOVED_TO, 'final.txt'],
    ],
  )
  t.true(events.every((e) => e.wd === wd))
  t.not(events[3].cookie, 0)
  t.is(events[3].cookie, events[4].cookie, 'the rename pair shares its cookie')
  t.is(events[0].cookie, 0)
  ep.unregister(fd)
  close(fd)
})

test('a folder created inside is reported with IN_ISDIR; removeWatch queues IN_IGNORED and a second remove is EINVAL', (t) => {
  const dir = tempFolder(t)
  const fd = inotify()
  const wd = addWatch(fd, dir, IN_CREATE)
  t.is(addWatch(fd, dir, IN_CREATE), wd, 'the same path gives the same watch')
  t.is(readInotifyEvents(fd), null, 'nothing happened yet')
  require('node:fs').mkdirSync(join(dir, 'sub'))
  writeFileSync(join(dir, 'file'), '')
  t.deepEqual(readInotifyEvents(fd), [
    { wd, mask: IN_CREATE | IN_ISDIR, cookie: 0, name: 'sub' },
    { wd, mask: IN_CREATE, cookie: 0, name: 'file' },
  ])
  removeWatch(fd, wd)
  t.deepEqual(readInotifyEvents(fd), [{ wd, mask: IN_IGNORED, cookie: 0, name: '' }])
  throwsSystemError(t, () => removeWatch(fd, wd), 'EINVAL', 'inotify_rm_watch')
  close(fd)
})

test('bad inotify arguments are coded errors, and a missing path the kernel ENOENT; nothing leaked', (t) => {
  const fd = inotify()
  const before = openFdCount()
  t.throws(() => addWatch(fd, '', IN_CREATE), { code: 'ERR_INVALID_ARG_VALUE', message: /'path'/ })
  t.throws(() => addWatch(fd, '/tmp\0x', IN_CREATE), { code: 'ERR_INVALID_ARG_VALUE', message: /null bytes/ })
  t.throws(() => addWatch(fd, Buffer.from('/tmp') as never, IN_CREATE), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => addWatch(fd, '/tmp', 0), { code: 'ERR_INVALID_ARG_VALUE', message: /'mask'/ })
  t.throws(() => addWatch(fd, '/tmp', 2 ** 32), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => addWatch(fd, '/tmp', 'IN_CREATE' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => removeWatch(fd, 0), { code: 'ERR_OUT_OF_RANGE', message: /"wd"/ })
  t.throws(() => readInotifyEvents(-2), { code: 'ERR_OUT_OF_RANGE' })
  throwsSystemError(t, () => addWatch(fd, '/nonexistent/epoll-napi', IN_CREATE), 'ENOENT', 'inotify_add_watch')
  throwsSystemError(t, () => addWatch(0x7ffffff0, '/tmp', IN_CREATE), 'EBADF', 'inotify_add_watch')
  t.is(openFdCount(), before)
  close(fd)
})
