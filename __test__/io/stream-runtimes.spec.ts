import test from 'ava'
import { join } from 'node:path'

import { ROOT } from '../helpers/child.js'
import { RUNTIMES, runIn, runtimeInstalled } from '../helpers/package/runtimes.js'

const SCENARIO = join(__dirname, '..', 'fixtures', 'stream-scenario.cjs')
const IN_WORKER = join(__dirname, '..', 'fixtures', 'in-worker.cjs')

const EXPECTED = { pipe: true, echo: true, pendingClose: { closes: 1, fd: -1, writeError: 'EPIPE' } }

for (const name of Object.keys(RUNTIMES)) {
  for (const [where, args] of [
    ['main thread', [SCENARIO, ROOT]],
    ['worker', [IN_WORKER, SCENARIO, ROOT]],
  ] as const) {
    test(`streams in ${name} (${where}): pipeline, echo to Readable.toWeb, close while a read is pending, an always-ready device; then the process exits by itself`, (t) => {
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
