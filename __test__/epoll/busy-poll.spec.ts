import { spawnSync } from 'node:child_process'

import { BUSY_POLL_BUDGET_UNPRIVILEGED, Epoll } from '../../index.js'
import { ROOT } from '../helpers/child.js'
import { busyPollUnavailable } from '../helpers/busy-poll-support.js'
import { isRoot } from '../helpers/daemon.js'
import { skipIf } from '../helpers/skip-if.js'

const busyPollReason = busyPollUnavailable && `EPIOCGPARAMS gives ${busyPollUnavailable} here`
const busyPollTest = skipIf(busyPollReason)
/** Why no child can run here without CAP_NET_ADMIN (capsh drops it; only root may), or undefined. */
const noCapabilityDrop = !isRoot() ? 'needs root to run a child without CAP_NET_ADMIN' : spawnSync('capsh', ['--version']).error ? 'needs capsh to run a child without CAP_NET_ADMIN' : undefined

busyPollTest('a fresh instance reads back zeros; what is set reads back; omitted fields are zero', (t) => {
  using ep = new Epoll()
  t.deepEqual(ep.getBusyPoll(), { usecs: 0, budget: 0, prefer: false })
  t.is(ep.setBusyPoll({ usecs: 50, budget: 16, prefer: true }), ep, 'chains')
  t.deepEqual(ep.getBusyPoll(), { usecs: 50, budget: 16, prefer: true })
  ep.setBusyPoll({ usecs: 10 })
  t.deepEqual(ep.getBusyPoll(), { usecs: 10, budget: 0, prefer: false })
})

busyPollTest('bad options are coded errors and leave the parameters as they were', (t) => {
  using ep = new Epoll()
  ep.setBusyPoll({ usecs: 7, budget: 3, prefer: true })
  t.throws(() => ep.setBusyPoll(undefined as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"options"/ })
  t.throws(() => ep.setBusyPoll({ usecs: -1 }), { code: 'ERR_OUT_OF_RANGE', message: /"options.usecs"/ })
  t.throws(() => ep.setBusyPoll({ usecs: 2 ** 31 }), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => ep.setBusyPoll({ usecs: 1, budget: 65536 }), { code: 'ERR_OUT_OF_RANGE', message: /"options.budget"/ })
  t.throws(() => ep.setBusyPoll({ usecs: 1, prefer: 1 as never }), { code: 'ERR_INVALID_ARG_TYPE', message: /"options.prefer"/ })
  t.throws(() => ep.setBusyPoll({ usecs: '5' as never }), { code: 'ERR_INVALID_ARG_TYPE' })
  t.deepEqual(ep.getBusyPoll(), { usecs: 7, budget: 3, prefer: true })
  ep.close()
  t.throws(() => ep.getBusyPoll(), { code: 'ERR_EPOLL_CLOSED' })
  t.throws(() => ep.setBusyPoll({ usecs: 1 }), { code: 'ERR_EPOLL_CLOSED' })
  t.throws(() => Epoll.prototype.getBusyPoll.call({}), { code: 'ERR_INVALID_THIS' })
})

skipIf(busyPollReason || noCapabilityDrop)(`a budget above ${BUSY_POLL_BUDGET_UNPRIVILEGED} needs CAP_NET_ADMIN: EPERM without it, and nothing changes`, (t) => {
  using ep = new Epoll()
  ep.setBusyPoll({ usecs: 1, budget: 200 })
  t.is(ep.getBusyPoll().budget, 200, 'root has CAP_NET_ADMIN')
  const source = `const e = require(${JSON.stringify(ROOT)}); const ep = new e.Epoll(); let error
    try { ep.setBusyPoll({ usecs: 5, budget: 65 }) } catch (x) { error = { code: x.code, syscall: x.syscall, message: x.message } }
    console.log(JSON.stringify({ error, after: ep.getBusyPoll(), atLimit: ep.setBusyPoll({ usecs: 5, budget: 64 }).getBusyPoll() }))`
  const child = spawnSync('capsh', ['--drop=cap_net_admin', '--', '-c', `exec "${process.execPath}" -e '${source}'`], { encoding: 'utf8' })
  t.is(child.status, 0, child.stderr)
  const out = JSON.parse(child.stdout)
  t.is(out.error.code, 'EPERM')
  t.is(out.error.syscall, 'ioctl')
  t.regex(out.error.message, /needs CAP_NET_ADMIN/)
  t.deepEqual(out.after, { usecs: 0, budget: 0, prefer: false })
  t.deepEqual(out.atLimit, { usecs: 5, budget: 64, prefer: false })
})
