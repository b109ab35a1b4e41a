import test from 'ava'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import { ROOT } from '../helpers/child.js'

const TYPEDOC = join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc')

test('the API reference builds with every public item documented (typedoc, warnings are errors)', (t) => {
  // typedoc.json enables the notDocumented/invalidLink/notExported checks; --emit none checks without writing docs/api.
  const result = spawnSync(process.execPath, [TYPEDOC, '--emit', 'none'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  t.is(result.status, 0, result.stdout + result.stderr)
  t.notRegex(result.stdout + result.stderr, /\[warning\]|\[error\]/)
})
