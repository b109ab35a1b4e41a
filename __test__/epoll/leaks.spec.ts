/**
 * Leaks: about 1.2 million operations (blocking calls and their errors, instances and pipes made and
 * closed, handlers and wait() on the event loop), in a child process for each watcher. The open fds
 * must be exactly what they were after the warm-up, and RSS must stay flat from round to round.
 * (The Rust core's own tests run under valgrind with `npm run test:valgrind`.)
 */
import test from 'ava'
import { join } from 'node:path'

import { ROOT, runNode } from '../helpers/child.js'
import { scaled } from '../helpers/emulation.js'

const SCRIPT = join(__dirname, '..', 'fixtures', 'million-operations.cjs')
/** Allowed RSS growth over three rounds after warm-up (measured here: 1 to 3 MiB). */
const RSS_GROWTH_LIMIT = 8 * 1024 * 1024

for (const watcher of ['libuv', 'thread']) {
  test(`a million operations leak neither fds nor memory (${watcher} watcher)`, (t) => {
    const result = runNode(
      `process.env.EPOLL_NAPI_WATCHER = '${watcher}'; process.argv.splice(1, 0, ${JSON.stringify(SCRIPT)}, ${JSON.stringify(ROOT)}); require(${JSON.stringify(SCRIPT)})`,
      { args: ['--expose-gc'], loadPackage: false, timeout: scaled(60_000) },
    )
    t.is(result.status, 0, result.stderr)
    const { ops, ms, after } = JSON.parse(result.stdout) as { ops: number; ms: number; after: { fds: number; rss: number }[] }
    t.true(ops >= 1_000_000, `${ops} operations`)
    t.deepEqual(
      after.map((a) => a.fds),
      after.map(() => after[0].fds),
      'the same fds are open after every round',
    )
    const growth = after[after.length - 1].rss - after[0].rss
    t.true(growth < RSS_GROWTH_LIMIT, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB`)
    t.log(`${ops} operations in ${ms} ms; RSS after each round: ${after.map((a) => (a.rss / 1048576).toFixed(1)).join(', ')} MiB`)
  })
}
