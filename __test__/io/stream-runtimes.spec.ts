import test from 'ava'
import { join } from 'node:path'

import { ioEngine } from '../../index.js'
import { ROOT } from '../helpers/child.js'
import { RUNTIMES, runIn, runtimeInstalled } from '../helpers/package/runtimes.js'

const SCENARIO = join(__dirname, '..', 'fixtures', 'stream-scenario.cjs')
const IN_WORKER = join(__dirname, '..', 'fixtures', 'in-worker.cjs')

const EXPECTED = {
  pipe: true,
  echo: true,
  datagrams: ['pong a', 'pong b', 'pong c'],
  pendingClose: { closes: 1, fd: -1, writeError: 'EPIPE' },
  // Every runtime, in a worker too, gets the engine this test runner got (same kernel, same EPOLL_NAPI_ENGINE).
  engine: { name: ioEngine().name, stream: ioEngine().name },
}

for (const name of Object.keys(RUNTIMES)) {
  for (const [where, args] of [
    ['main thread', [SCENARIO, ROOT]],
    ['worker', [IN_WORKER, SCENARIO, ROOT]],
  ] as const) {
    test(`streams in ${name} (${where}) on this machine's engine: pipeline, echo to Readable.toWeb, a datagrams() loop, close while a read is pending, an always-ready device; then the process exits by itself`, (t) => {
      t.true(runtimeInstalled(name), `${name} is installed by npm ci into runtimes/`)
      const result = runIn(name, args[0], args.slice(1))
      t.is(result.status, 0, result.stderr)
      const out = JSON.parse(result.stdout) as typeof EXPECTED & { alwaysReady: { ticks: number; read: boolean } }
      t.like(out, EXPECTED)
      t.true(out.alwaysReady.read)
      // 30 ticks in 300 ms on an idle loop; a starved loop would see none.
      t.true(out.alwaysReady.ticks >= 8, `the interval fired ${out.alwaysReady.ticks} times`)
    })
  }
}
