import test from 'ava'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { ROOT } from '../helpers/child.js'

const TYPEDOC = join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc')
const GROUPS = ['Epoll', 'I/O', 'Sockets', 'Batches', 'Daemon', 'Constants', 'Errors']

interface Reflection {
  id: number
  name: string
}
interface Project {
  readme?: { text: string }[]
  children: Reflection[]
  groups: { title: string; children: number[] }[]
}

// One typedoc run for the whole file (it takes seconds): its output and its JSON model.
let work: string
let run: { status: number | null; output: string }
let project: Project

test.before(() => {
  work = mkdtempSync(join(tmpdir(), 'epoll-napi-docs-'))
  // typedoc.json enables the notDocumented/invalidLink/notExported checks, requires every parameter of
  // every public function to be documented (`Parameter` in requiredToBeDocumented: its `@param`), and
  // makes warnings errors; the HTML goes to a temporary folder.
  const result = spawnSync(process.execPath, [TYPEDOC, '--out', join(work, 'html'), '--json', join(work, 'api.json')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  })
  run = { status: result.status, output: result.stdout + result.stderr }
  if (result.status === 0) project = JSON.parse(readFileSync(join(work, 'api.json'), 'utf8')) as Project
})

test.after.always(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

test('the API reference builds with every public item and every parameter documented (typedoc, warnings are errors)', (t) => {
  t.is(run.status, 0, run.output)
  t.notRegex(run.output, /\[warning\]|\[error\]/)
})

test('the README is the landing page of the API reference', (t) => {
  t.truthy(project, run.output)
  const readme = (project.readme ?? []).map((part) => part.text).join('')
  t.true(readme.startsWith('# epoll-napi\n'), readme.slice(0, 80))
})

test('every export is in one of the seven groups, shown in order: Epoll, I/O, Sockets, Batches, Daemon, Constants, Errors', (t) => {
  t.truthy(project, run.output)
  t.deepEqual(
    project.groups.map((group) => group.title),
    GROUPS,
  )
  const grouped = new Set(project.groups.flatMap((group) => group.children))
  t.deepEqual(
    project.children.filter((child) => !grouped.has(child.id)).map((child) => child.name),
    [],
  )
  const groupOf = (name: string) => {
    const id = project.children.find((child) => child.name === name)?.id
    return project.groups.find((group) => group.children.includes(id ?? -1))?.title
  }
  const expected: Record<string, string> = {
    Epoll: 'Epoll',
    read: 'I/O',
    listenTcp: 'Sockets',
    pollRead: 'Batches',
    MessageBatch: 'Batches',
    sendFds: 'Daemon',
    EPOLLIN: 'Constants',
    SO_REUSEPORT: 'Constants',
    SystemError: 'Errors',
  }
  for (const [name, group] of Object.entries(expected)) t.is(groupOf(name), group, name)
})
