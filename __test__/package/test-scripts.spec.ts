// `npm test` runs the specs in three ava runs, each with its own heading: the behaviour folders
// (test:js), the packaging, CI and meta checks (test:package) and the stress run (test:stress). A spec
// folder that none of them names would silently never run in `npm test`. Beside them, test:js:epoll
// runs the fd and socket folders again on the epoll engine, so that both engines pass them.
import test from 'ava'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { ROOT } from '../helpers/child.js'

const PARTS = ['test:js', 'test:package', 'test:stress']
const scripts: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts

/** The folders an ava command line of a script names (`ava __test__/epoll __test__/io` -> epoll, io). */
function folders(script: string): string[] {
  const ava = /(?:^|&&\s*)ava\s+([^&]*)$/.exec(scripts[script])
  return ava ? ava[1].trim().split(/\s+/).map((arg) => arg.replace(/^__test__\//, '').replace(/\/$/, '')) : []
}

test('npm test runs lint, the Rust tests, the three ava runs and the epoll-engine pass, in that order', (t) => {
  const order = ['lint', 'test:rust', 'test:js', 'test:js:epoll', 'test:package', 'test:stress']
  t.is(scripts.test, order.map((name) => `npm run ${name}`).join(' && '))
  for (const part of [...PARTS, 'test:js:epoll']) t.regex(scripts[part], /^echo '== .+ ==' && (EPOLL_NAPI_ENGINE=epoll )?ava /, `${part} prints its heading, then runs ava`)
})

test('the epoll-engine pass runs on epoll every folder whose specs open streams or sockets', (t) => {
  t.regex(scripts['test:js:epoll'], /&& EPOLL_NAPI_ENGINE=epoll ava /)
  const again = /ava\s+([^&]*)$/.exec(scripts['test:js:epoll'])![1].trim().split(/\s+/)
  t.deepEqual(again, ['__test__/io', '__test__/net', '__test__/daemon'])
  for (const folder of again) t.true(folders('test:js').includes(folder.replace('__test__/', '')), `${folder} is a test:js folder`)
})

test('every folder of __test__/ that holds specs is run by exactly one of test:js, test:package and test:stress', (t) => {
  const withSpecs = readdirSync(join(ROOT, '__test__'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && readdirSync(join(ROOT, '__test__', entry.name)).some((name) => name.endsWith('.spec.ts')))
    .map((entry) => entry.name)
    .sort()
  const named = PARTS.flatMap(folders)
  t.deepEqual(withSpecs.filter((folder) => !named.includes(folder)), [], 'folders no ava run of npm test names')
  t.deepEqual(named.filter((folder, i) => named.indexOf(folder) !== i), [], 'folders named twice')
  t.deepEqual(named.filter((folder) => !withSpecs.includes(folder)), [], 'named, but holding no spec')
  t.deepEqual(folders('test:package'), ['package'])
  t.deepEqual(folders('test:stress'), ['stress'])
  t.deepEqual(readdirSync(join(ROOT, '__test__')).filter((name) => name.endsWith('.spec.ts')), [], 'no spec outside a folder')
})
