import test from 'ava'
import { join } from 'node:path'

import { ROOT } from '../helpers/child.js'
import { RUNTIMES, THIS_NODE, runIn, runtimeInstalled } from '../helpers/package/runtimes.js'
import { scenarioOutput, scenarioProblems } from '../fixtures/scenario-expectations.cjs'

const SCENARIO = join(__dirname, '..', 'fixtures', 'event-loop-scenario.cjs')
const IN_WORKER = join(__dirname, '..', 'fixtures', 'in-worker.cjs')

for (const name of Object.keys(RUNTIMES)) {
  const { expectedWatcher } = RUNTIMES[name]
  test(`handlers, wait(), abort and async iteration work in ${name} (watcher: ${expectedWatcher})`, (t) => {
    t.true(runtimeInstalled(name), `${name} is installed by npm ci into runtimes/`)
    const result = runIn(name, SCENARIO, [ROOT])
    t.is(result.status, 0, result.stderr)
    t.deepEqual(scenarioProblems(scenarioOutput(result.stdout), expectedWatcher), [])
  })

  test(`the same works in a worker thread of ${name}, on the worker's own loop`, (t) => {
    const result = runIn(name, IN_WORKER, [SCENARIO, ROOT])
    t.is(result.status, 0, result.stderr)
    t.deepEqual(scenarioProblems(scenarioOutput(result.stdout), expectedWatcher), [])
  })
}

test('the watcher thread can be forced on Node, and behaves the same', (t) => {
  const result = runIn(THIS_NODE, SCENARIO, [ROOT], { EPOLL_NAPI_WATCHER: 'thread' })
  t.is(result.status, 0, result.stderr)
  const out = JSON.parse(result.stdout)
  t.is(out.handlers.watcher, 'thread')
  t.is(out.handlers.delivered, 20)
  t.is(out.closedWait, 'ERR_EPOLL_CLOSED')
})
