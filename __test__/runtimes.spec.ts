import test from 'ava'
import { join } from 'node:path'

import { ROOT } from './helpers/child.js'
import { RUNTIMES, runIn, runtimeInstalled } from './helpers/package/runtimes.js'

const SCENARIO = join(__dirname, 'fixtures', 'event-loop-scenario.cjs')
const IN_WORKER = join(__dirname, 'fixtures', 'in-worker.cjs')
const EPOLLIN = 1

for (const name of Object.keys(RUNTIMES)) {
  test(`handlers, wait(), abort and async iteration work in ${name} (watcher: ${RUNTIMES[name].expectedWatcher})`, (t) => {
    t.true(runtimeInstalled(name), `${name} is installed by npm ci into runtimes/`)
    const result = runIn(name, SCENARIO, [ROOT])
    t.is(result.status, 0, result.stderr)
    const out = JSON.parse(result.stdout.trim().split('\n').pop()!)
    const [r] = out.fds
    t.is(out.handlers.delivered, 20)
    t.true(out.handlers.ticks >= 20, 'timers kept firing while handlers were served')
    t.is(out.handlers.watcher, RUNTIMES[name].expectedWatcher)
    if (RUNTIMES[name].expectedWatcher === 'libuv') {
      t.is(out.handlers.extraThreads, 0, 'no helper thread on Node')
    }
    t.deepEqual(out.wait, [[r, EPOLLIN]])
    t.deepEqual(out.waitAfterEdgeTaken, [])
    t.is(out.abort, 'AbortError ABORT_ERR')
    t.deepEqual(out.iteration, [[[r, EPOLLIN]]])
    t.is(out.closedWait, 'ERR_EPOLL_CLOSED')
  })
}

for (const name of ['node 20', 'node 22', 'node 24']) {
  test(`the same works in a worker thread of ${name}, on the worker's own loop`, (t) => {
    const result = runIn(name, IN_WORKER, [SCENARIO, ROOT])
    t.is(result.status, 0, result.stderr)
    const out = JSON.parse(result.stdout.trim().split('\n').pop()!)
    t.is(out.handlers.delivered, 20)
    t.is(out.handlers.watcher, 'libuv')
    t.is(out.handlers.extraThreads, 0)
    t.deepEqual(out.iteration, [[[out.fds[0], EPOLLIN]]])
    t.is(out.closedWait, 'ERR_EPOLL_CLOSED')
  })
}

test('the watcher thread can be forced on Node, and behaves the same', (t) => {
  const result = runIn('node 20', SCENARIO, [ROOT], { EPOLL_NAPI_WATCHER: 'thread' })
  t.is(result.status, 0, result.stderr)
  const out = JSON.parse(result.stdout)
  t.is(out.handlers.watcher, 'thread')
  t.is(out.handlers.delivered, 20)
  t.is(out.closedWait, 'ERR_EPOLL_CLOSED')
})
