// The published shape: `npm pack` of the package and of its x86_64 gnu binary package, installed into a
// fresh folder offline and without a Rust toolchain, then used from CommonJS, ES modules, strict
// TypeScript, Node 20/22/24, Bun and Deno. Packed and installed once for the whole file.
import test from 'ava'
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { parseTriple } from '@napi-rs/cli'

import { ROOT } from '../helpers/child.js'
import { PLATFORM, preparePackedConsumer, type PackedConsumer } from '../helpers/package/packed-consumer.js'

const RUNTIMES = join(ROOT, 'runtimes', 'node_modules')
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
const SMOKE_RESULT = { supported: true, quiet: [], ready: [[true, ['EPOLLIN']]], closed: true }

let consumer: PackedConsumer

test.before(() => {
  consumer = preparePackedConsumer()
})

test.after.always(() => {
  if (consumer) rmSync(consumer.work, { recursive: true, force: true })
})

function run(command: string, args: string[], env: NodeJS.ProcessEnv = consumer.env) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(command, args, { cwd: consumer.dir, env, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: unknown }).code as number | null) ?? 1 : 0, stdout, stderr })
    })
  })
}

test('npm installs both tarballs offline, with no Rust toolchain on PATH, running no script of the package', async (t) => {
  t.is(consumer.install.status, 0, consumer.install.stderr)
  t.notRegex(consumer.install.stderr, /install-scripts|lifecycle/, 'npm found no script to run or to warn about')
  const cargo = await run('cargo', ['--version'])
  t.not(cargo.code, 0, 'cargo is not reachable from the install environment')
  const installed = readdirSync(join(consumer.dir, 'node_modules')).filter((name) => !name.startsWith('.')).sort()
  // The other five platform packages are unreachable offline: npm skips them as optional.
  t.deepEqual(installed, ['epoll-napi', `epoll-napi-${PLATFORM}`])
})

test('the main package ships the compiled JavaScript, declarations and loader, and no sources or binaries', (t) => {
  const files = consumer.mainFiles
  for (const needed of ['index.js', 'index.d.ts', 'binding.js', 'binding.d.ts', 'lib/epoll/epoll.js', 'lib/epoll/epoll.d.ts', 'lib/internal/native.js', 'package.json']) {
    t.true(files.includes(needed), needed)
  }
  const unwanted = files.filter((file) => /\.ts$/.test(file) && !file.endsWith('.d.ts'))
  t.deepEqual(unwanted, [], 'TypeScript sources would be type-checked in place of the declarations')
  t.deepEqual(
    files.filter((file) => /\.node$|^(crates|__test__|npm|scripts|runtimes|bench)\//.test(file)),
    [],
  )
})

test('the loader takes the binary from the glibc platform package (the main package ships none)', async (t) => {
  const probe = `
    require('epoll-napi')
    console.log(JSON.stringify(Object.keys(require.cache).filter((path) => path.endsWith('.node'))))`
  const result = await run(process.execPath, ['-e', probe])
  t.is(result.code, 0, result.stderr)
  t.deepEqual(JSON.parse(result.stdout), [
    join(consumer.dir, 'node_modules', `epoll-napi-${PLATFORM}`, `epoll-napi.${PLATFORM}.node`),
  ])
})

test('require() and import see the same named exports, found without a hand-kept list', async (t) => {
  const probe = `
    const cjs = Object.keys(require('epoll-napi')).sort()
    import('epoll-napi').then((esm) => {
      const named = Object.keys(esm).filter((key) => key !== 'default' && key !== '__esModule').sort()
      console.log(JSON.stringify({ cjs, esm: named }))
    })`
  const result = await run(process.execPath, ['-e', probe])
  t.is(result.code, 0, result.stderr)
  const { cjs, esm } = JSON.parse(result.stdout)
  t.true(cjs.includes('Epoll') && cjs.includes('EPOLLET') && cjs.includes('describeEvents'), cjs.join())
  t.deepEqual(esm, cjs)
})

const runtimes: [name: string, command: string, args: string[]][] = [
  ['Node 20', process.execPath, []],
  ['Node 22', join(RUNTIMES, 'node22', 'bin', 'node'), []],
  ['Node 24', join(RUNTIMES, 'node24', 'bin', 'node'), []],
  ['Bun', join(RUNTIMES, '.bin', 'bun'), []],
  ['Deno', join(RUNTIMES, '.bin', 'deno'), ['run', '--allow-all', '--no-lock']],
]

for (const [name, command, args] of runtimes) {
  for (const script of ['smoke.cjs', 'smoke.mjs']) {
    test(`the smoke script (${script}) polls a FIFO through the installed package in ${name}`, async (t) => {
      const env = { ...consumer.env, DENO_NO_UPDATE_CHECK: '1' }
      const result = await run(command, [...args, script], env)
      t.is(result.code, 0, result.stderr)
      t.deepEqual(JSON.parse(result.stdout), SMOKE_RESULT)
    })
  }
}

test('strict TypeScript consumers (ESM and CommonJS) type-check against the shipped declarations', async (t) => {
  const result = await run(process.execPath, [TSC, '-p', 'tsconfig.json'])
  t.is(result.code, 0, result.stdout + result.stderr)
})

test('where there is no epoll the installed package imports; supported is false and new Epoll() throws ERR_EPOLL_UNSUPPORTED_PLATFORM', async (t) => {
  const probe = `
    Object.defineProperty(process, 'platform', { value: 'darwin' })
    const epoll = require('epoll-napi')
    let error
    try { new epoll.Epoll() } catch (caught) { error = caught }
    console.log(JSON.stringify({ supported: epoll.supported, code: error.code, EPOLLIN: epoll.EPOLLIN }))`
  const result = await run(process.execPath, ['-e', probe])
  t.is(result.code, 0, result.stderr)
  t.deepEqual(JSON.parse(result.stdout), { supported: false, code: 'ERR_EPOLL_UNSUPPORTED_PLATFORM', EPOLLIN: 1 })
})

test('there is a platform package for every napi target, at the root version, holding that target binary', (t) => {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const expected = (root.napi.targets as string[]).map((triple) => parseTriple(triple).platformArchABI).sort()
  t.deepEqual(readdirSync(join(ROOT, 'npm')).sort(), expected)
  for (const dir of expected) {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'npm', dir, 'package.json'), 'utf8'))
    t.is(manifest.name, `${root.name}-${dir}`)
    t.is(manifest.version, root.version, `${dir} is at the root version (napi version keeps them in step)`)
    t.is(manifest.main, `${root.napi.binaryName}.${dir}.node`)
    t.deepEqual(manifest.os, ['linux'])
  }
})
