import test from 'ava'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'

import { close, Epoll, EPOLLIN, pidfdOpen, pidfdSendSignal } from '../../index.js'
import { isCloseOnExec, openFdCount } from '../helpers/daemon.js'
import { throwsSystemError } from '../helpers/errors.js'

test('the pidfd of a child turns readable when the child exits, and signals by name reach it', async (t) => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' })
  await once(child, 'spawn')
  const fd = pidfdOpen(child.pid!)
  t.true(isCloseOnExec(fd))
  using ep = new Epoll()
  ep.register(fd, EPOLLIN)
  t.deepEqual(ep.poll(0), [], 'alive: not readable')
  pidfdSendSignal(fd, 0)
  const exited = once(child, 'exit')
  pidfdSendSignal(fd, 'SIGTERM')
  // Readable on exit; once Node has also reaped the child, newer kernels add EPOLLHUP (this one does).
  const [[readyFd, events]] = await ep.wait({ timeout: 10_000 })
  t.is(readyFd, fd)
  t.is(events & EPOLLIN, EPOLLIN)
  t.deepEqual(await exited, [null, 'SIGTERM'])
  throwsSystemError(t, () => pidfdSendSignal(fd, 'SIGKILL'), 'ESRCH', 'pidfd_send_signal')
  ep.unregister(fd)
  close(fd)
})

test('a process that is not our child can be watched and signalled by number', async (t) => {
  // sh starts sleep in the background and exits: sleep is reparented, it is no child of ours.
  const started = spawnSync('sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' })
  const pid = Number(started.stdout.trim())
  t.true(pid > 0)
  t.not(Number(require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]), process.pid)
  const fd = pidfdOpen(pid)
  using ep = new Epoll()
  ep.register(fd, EPOLLIN)
  t.deepEqual(ep.poll(0), [])
  pidfdSendSignal(fd, 9)
  t.deepEqual(await ep.wait({ timeout: 10_000 }), [[fd, EPOLLIN]], 'readable once it exited, reaped by someone else')
  ep.unregister(fd)
  close(fd)
})

test('an unknown signal name is ERR_UNKNOWN_SIGNAL as in Node; other bad input is coded; nothing leaked', (t) => {
  const fd = pidfdOpen(process.pid)
  const before = openFdCount()
  const nodeError = t.throws(() => process.kill(process.pid, 'SIGNOPE' as never))!
  const ours = t.throws(() => pidfdSendSignal(fd, 'SIGNOPE' as never), { code: 'ERR_UNKNOWN_SIGNAL', instanceOf: TypeError })!
  t.is(ours.message, nodeError.message)
  t.throws(() => pidfdSendSignal(fd, 'sigterm' as never), { code: 'ERR_UNKNOWN_SIGNAL' })
  t.throws(() => pidfdSendSignal(fd, 'toString' as never), { code: 'ERR_UNKNOWN_SIGNAL' })
  t.throws(() => pidfdSendSignal(fd, 65), { code: 'ERR_OUT_OF_RANGE', message: /"signal"/ })
  t.throws(() => pidfdSendSignal(fd, -1), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => pidfdSendSignal(fd, null as never), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => pidfdOpen(0), { code: 'ERR_OUT_OF_RANGE', message: /"pid"/ })
  t.throws(() => pidfdOpen(-5), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => pidfdOpen(1.5), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => pidfdOpen('1' as never), { code: 'ERR_INVALID_ARG_TYPE' })
  throwsSystemError(t, () => pidfdOpen(0x3ffffff0), 'ESRCH', 'pidfd_open')
  throwsSystemError(t, () => pidfdSendSignal(0, 0), 'EBADF', 'pidfd_send_signal')
  t.is(openFdCount(), before)
  close(fd)
})
