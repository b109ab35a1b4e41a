/**
 * The short stress run (`npm run stress` is the long one): each echo example serves 5,000 concurrent
 * node:net connections from two client processes, then keeps them busy for two rounds of 2.5 s with
 * random message sizes up to 64 KiB, half-closes and resets, every byte checked. Afterwards the
 * server's open fds are back to their baseline, its RSS did not grow from round to round, and it
 * exits with code 0 on SIGTERM.
 */
import test from 'ava'

import { describe, problems, runStress } from '../../stress/run.js'
import { scaled } from '../helpers/emulation.js'

/** Allowed RSS growth from the first round to the second (measured: -4 to +1 MiB, see the report). */
const RSS_GROWTH_LIMIT_KIB = 32 * 1024

for (const server of ['examples/echo-server.ts', 'examples/echo-server-handlers.ts']) {
  test.serial(`${server} under 5,000 concurrent connections: every byte echoed, fds back to baseline, RSS flat`, async (t) => {
    t.timeout(scaled(120_000))
    // Every connection of the first wave must be used before the round's deadline: a slower server (an
    // emulated one) gets a longer round.
    const report = await runStress({ server, connections: 5000, clients: 2, seconds: scaled(2500) / 1000, rounds: 2, seed: 20261126 })
    t.log(describe(report))
    t.deepEqual(problems(report, RSS_GROWTH_LIMIT_KIB), [])
    for (const round of report.rounds) {
      t.true(round.peakFds - report.baselineFds >= 5000, 'all 5,000 connections were open at once')
      t.true(round.counts.halfCloses > 0 && round.counts.resets > 0 && round.counts.closes > 0, 'every ending happened')
      t.true(round.counts.verified + round.counts.resets >= 5000, 'every connection of the first wave was verified end to end or reset')
    }
  })
}
