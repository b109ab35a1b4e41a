import test from 'ava'
import { join } from 'node:path'

import { ROOT } from '../helpers/child.js'
import { RUNTIMES, runIn } from '../helpers/package/runtimes.js'

const SCENARIO = join(__dirname, '..', 'fixtures', 'node-shapes-scenario.cjs')
const IN_WORKER = join(__dirname, '..', 'fixtures', 'in-worker.cjs')
const EXPECTED = {
  blockingPipe: true,
  afterSet: false,
  pair: 'one',
  closed: 'ERR_SOCKET_CLOSED',
  accepted: 'IPv4',
  reply: 'ping/pong',
  inotify: ['IN_CREATE', 'IN_ISDIR'],
}

for (const name of Object.keys(RUNTIMES)) {
  test(`Socket, connections(), datagrams(), blocking mode and describeInotify work in ${name}`, (t) => {
    const result = runIn(name, SCENARIO, [ROOT])
    t.is(result.status, 0, result.stderr)
    t.deepEqual(JSON.parse(result.stdout), EXPECTED)
  })

  test(`the same works in a worker thread of ${name}`, (t) => {
    const result = runIn(name, IN_WORKER, [SCENARIO, ROOT])
    t.is(result.status, 0, result.stderr)
    t.deepEqual(JSON.parse(result.stdout), EXPECTED)
  })
}
