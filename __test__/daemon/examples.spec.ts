import test from 'ava'
import { spawnSync } from 'node:child_process'

import { ROOT } from '../helpers/child.js'
import { scaled } from '../helpers/emulation.js'
import { tunUnavailable } from '../helpers/daemon.js'
import { skipIf } from '../helpers/skip-if.js'

/** Runs `npm run <script>` as a user would, and returns the JSON line it printed last. */
function runScript(t: { is(a: unknown, b: unknown, m?: string): void }, script: string) {
  const result = spawnSync('npm', ['run', '--silent', script], { cwd: ROOT, encoding: 'utf8', timeout: scaled(90_000) })
  t.is(result.status, 0, result.stderr)
  return JSON.parse(result.stdout.trim().split('\n').pop()!)
}

test('example:pass-fds: connections accepted by the parent are served by two worker processes in turn', (t) => {
  const out = runScript(t, 'example:pass-fds')
  t.is(out.workers.length, 2)
  t.deepEqual(
    out.replies,
    [0, 1, 2, 3, 4, 5].map((i) => `worker ${i % 2} (pid ${out.workers[i % 2]}): hello ${i}`),
  )
  t.false(out.workers.includes(out.parent))
  t.deepEqual(out.exits, [
    [0, null],
    [0, null],
  ], 'workers exit once the parent closes their socket')
})

test('example:watch-folder: completion, renames and deletions are reported as they happen', (t) => {
  const out = runScript(t, 'example:watch-folder')
  t.deepEqual(out.lines, [
    'created file report.txt',
    'complete report.txt',
    'renamed report.txt -> final.txt',
    'created file scratch',
    'complete scratch',
    'deleted file scratch',
    'moved out final.txt',
  ])
})

skipIf(tunUnavailable())('example:tun-ping: the user-space stack answers three pings in a private namespace', (t) => {
  const out = runScript(t, 'example:tun-ping')
  t.is(out.requests.length, 3)
  t.deepEqual(
    out.replies.map((r: { seq: number; from: string }) => [r.seq, r.from]),
    [
      [1, '10.9.0.2'],
      [2, '10.9.0.2'],
      [3, '10.9.0.2'],
    ],
  )
})
