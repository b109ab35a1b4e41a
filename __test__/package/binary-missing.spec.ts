// The first error a new user may meet: the package installed, its binary not. Installed from the packed
// tarballs like package.spec.ts does, once with `--omit=optional` (no platform package: the binary is
// missing) and once whole (then Deno without permissions, and Node's permission model, refuse to load
// it). Each error must name the fix in its own message; the loader's account stays in `cause`.
import test from 'ava'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { DENO_FLAGS } from '../../lib/internal/errors.js'
import { PUBLISHED_PLATFORMS, platformName } from '../../lib/internal/load-failure.js'
import { ROOT } from '../helpers/child.js'
import { PLATFORM, preparePackedConsumer, type PackedConsumer } from '../helpers/package/packed-consumer.js'
import { testIf } from '../helpers/skip-if.js'

const DENO = join(ROOT, 'runtimes', 'node_modules', '.bin', 'deno')
const NODE24 = join(ROOT, 'runtimes', 'node_modules', 'node24', 'bin', 'node')

let withoutOptional: PackedConsumer
let whole: PackedConsumer

test.before(() => {
  withoutOptional = preparePackedConsumer({ omitOptional: true })
  whole = preparePackedConsumer()
})

test.after.always(() => {
  for (const consumer of [withoutOptional, whole]) if (consumer) rmSync(consumer.work, { recursive: true, force: true })
})

/** What a user's first `new Epoll()` reports: `supported`, the error's code and message, the messages of its causes. */
const PROBE = `
  const epoll = require('epoll-napi')
  const seen = { supported: epoll.supported }
  try { new epoll.Epoll() } catch (error) {
    seen.code = error.code
    seen.message = error.message
    seen.causes = []
    for (let at = error.cause; at; at = at.cause) seen.causes.push(String(at.message))
  }
  console.log(JSON.stringify(seen))`

interface Seen {
  supported: boolean
  code?: string
  message?: string
  causes?: string[]
}

let probes = 0

/**
 * Runs `body` (default: the probe above) as a CommonJS file in the consumer folder (a file, not
 * `node -e`: Deno has no `-e` that resolves node_modules alike, and reads no environment unasked),
 * with `args` before the file; `seen` is the last line of its output, parsed.
 */
function probe(consumer: PackedConsumer, command: string, args: string[], body = PROBE) {
  const file = join(consumer.dir, `probe-${++probes}.cjs`)
  writeFileSync(file, body)
  return new Promise<{ seen: Seen | null; stderr: string }>((resolve) => {
    const env = { ...consumer.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }
    execFile(command, [...args, file], { cwd: consumer.dir, env, encoding: 'utf8', timeout: 60_000 }, (_error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? ''
      resolve({ seen: line.startsWith('{') ? (JSON.parse(line) as Seen) : null, stderr })
    })
  })
}

test('npm install --omit=optional installs the main package and no platform package', (t) => {
  t.is(withoutOptional.install.status, 0, withoutOptional.install.stderr)
  const installed = readdirSync(join(withoutOptional.dir, 'node_modules')).filter((name) => !name.startsWith('.'))
  t.deepEqual(installed, ['epoll-napi'])
})

test('without the platform package, new Epoll() throws ERR_EPOLL_BINARY_MISSING naming the package to install and the likely causes', async (t) => {
  const { seen, stderr } = await probe(withoutOptional, process.execPath, [])
  t.truthy(seen, stderr)
  t.false(seen!.supported)
  t.is(seen!.code, 'ERR_EPOLL_BINARY_MISSING')
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version
  t.true(seen!.message!.includes(`npm install epoll-napi-${PLATFORM}@${version}`), seen!.message)
  for (const cause of ['--omit=optional', 'lockfile', '--cpu', '--libc', 'error.cause']) {
    t.true(seen!.message!.includes(cause), `the message mentions ${cause}: ${seen!.message}`)
  }
  t.true(
    seen!.causes!.some((message) => message.includes(`Cannot find module 'epoll-napi-${PLATFORM}'`)),
    "the loader's own account, down to the package it could not find, is kept in cause",
  )
})

test('on a machine the release publishes no binary for, the error says so instead of naming a package that does not exist', async (t) => {
  const pretend = "Object.defineProperty(process, 'arch', { value: 's390x' });"
  const { seen, stderr } = await probe(whole, process.execPath, [], pretend + PROBE)
  t.truthy(seen, stderr)
  t.is(seen!.code, 'ERR_EPOLL_BINARY_MISSING')
  t.regex(seen!.message!, /publishes no binary for this machine \(linux s390x, glibc\): there is no package epoll-napi-linux-s390x-gnu/)
})

test('the platform package named is the one binding.js requires for that machine, and every published one is known', (t) => {
  const loader = readFileSync(join(ROOT, 'binding.js'), 'utf8')
  for (const arch of ['x64', 'arm64', 'arm', 'riscv64', 'loong64']) {
    for (const libc of ['glibc', 'musl'] as const) {
      const name = platformName(arch, libc)
      t.true(loader.includes(`require('epoll-napi-${name}')`), `binding.js loads epoll-napi-${name} for ${arch} ${libc}`)
    }
  }
  t.deepEqual([...PUBLISHED_PLATFORMS].sort(), readdirSync(join(ROOT, 'npm')).sort())
})

const denoMissing = !existsSync(DENO) && 'Deno is not installed in runtimes/ (npm ci installs it)'

testIf(!denoMissing, denoMissing || '')(
  'in Deno without permissions, the error names the permission refused and the flags to pass',
  async (t) => {
    const { seen, stderr } = await probe(whole, DENO, ['run', '--no-lock'])
    t.truthy(seen, stderr)
    t.false(seen!.supported)
    t.is(seen!.code, 'ERR_EPOLL_PERMISSION_DENIED')
    t.true(seen!.message!.includes(`Run with ${DENO_FLAGS.join(' ')}`), seen!.message)
    t.regex(seen!.message!, /Deno refused a permission \(Requires \w+ access/)
    t.true(seen!.causes!.some((message) => /run again with the --allow-\w+ flag/.test(message)))
  },
)

testIf(!denoMissing, denoMissing || '')('in Deno, the flags the error names are enough: an Epoll sees a pipe turn readable', async (t) => {
  const works = `
    const epoll = require('epoll-napi')
    const [r, w] = epoll.pipe()
    const ep = new epoll.Epoll()
    const events = ep.readable(r, { timeout: 5000 })
    epoll.write(w, Buffer.from('x'))
    events.then((mask) => {
      console.log(JSON.stringify({ supported: epoll.supported, events: epoll.describeEvents(mask), watcher: ep.watcher }))
      ep.close()
    })`
  const { seen, stderr } = await probe(whole, DENO, ['run', '--no-lock', ...DENO_FLAGS], works)
  t.deepEqual(seen as unknown, { supported: true, events: ['EPOLLIN'], watcher: 'thread' }, stderr)
})

testIf(!denoMissing, denoMissing || '')('in Deno, each of those flags is needed: without any one of them the error names what was refused', async (t) => {
  for (const left of DENO_FLAGS) {
    const { seen, stderr } = await probe(whole, DENO, ['run', '--no-lock', ...DENO_FLAGS.filter((flag) => flag !== left)])
    t.is(seen?.code, 'ERR_EPOLL_PERMISSION_DENIED', `without ${left}: ${stderr}`)
    t.regex(seen?.message ?? '', /Deno refused a permission \(Requires \w+ access/, `without ${left}`)
  }
})

const node24Missing = !existsSync(NODE24) && 'Node 24 is not installed in runtimes/ (npm ci installs it)'

testIf(!node24Missing, node24Missing || '')(
  "under Node's permission model without --allow-addons, the error says to add it",
  async (t) => {
    const { seen, stderr } = await probe(whole, NODE24, ['--permission', '--allow-fs-read=*'])
    t.truthy(seen, stderr)
    t.is(seen!.code, 'ERR_EPOLL_PERMISSION_DENIED')
    t.regex(seen!.message!, /--permission\) disables native addons\. Add --allow-addons\./)
  },
)
