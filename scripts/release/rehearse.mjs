// `npm run release:rehearse [-- --quick]`: the release, end to end, against a throwaway registry.
//
// 1. The six binaries: reused from npm/<platform>/ when present and newer than every Rust source, else
//    built by `npm run build:targets -- --only <those>` (scripts/targets/).
// 2. A local registry (verdaccio, run by npx at a pinned version) on 127.0.0.1, its storage in a temp
//    folder. `epoll-napi` and `epoll-napi-*` have no uplink: they can only come from what was published
//    here. Everything else may be proxied to the npm registry (nothing the consumers install needs it).
// 3. The publish job of .github/workflows/release.yml, read from the file and run step by step in a copy
//    of this checkout (git's tracked and untracked files; node_modules linked): every `run:` as written
//    (bash -e, as Actions runs it), with a throwaway token of the local registry as NPM_TOKEN. The `uses:`
//    steps are done by hand: checkout is the copy, setup-node's `registry-url` becomes the local
//    registry in the .npmrc it would write, download-artifact is the binaries laid out as
//    `artifacts/bindings-<platform>/`. `npm ci` is replaced by the link to this checkout's node_modules
//    (installed from the same lockfile). A step the rehearsal does not know fails it.
// 4. For each target, in a fresh folder: `npm install epoll-napi` from the local registry only (with
//    `--cpu`/`--libc` for the others, as npm on that machine would choose), then the smoke server
//    (smoke-server.cjs, a TCP echo with listenTcp/accept/read/write and an Epoll) in that runtime,
//    natively (Node 20 that runs this, Node 22 and 24, Bun, Deno with the README's flags) or under QEMU
//    user emulation (Node on arm64, 32-bit ARM and riscv64, Bun's x86_64 musl build), and a client
//    here that sends a line and checks the echo.
// 5. Stops the registry and every server it started, removes the temp folder (`--keep` keeps it), and
//    prints: target, runtime, installed from the local registry, served. Exit code 1 when any target
//    failed, 75 when only downloads failed (registry, mirror).
//
// `--quick`: Node 20 on x86_64 only (the binaries are still all needed: `napi prepublish` publishes six).
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'

import { ensureMuslSysroot } from '../targets/musl-sysroot.mjs'
import { RUNTIMES, ensureDebianRuntime, ensureRuntime } from '../targets/runtimes.mjs'
import { TARGETS } from '../targets/targets.mjs'
import { Unavailable } from '../targets/unavailable.mjs'
import { readSteps } from './workflow-steps.mjs'

const ROOT = join(import.meta.dirname, '..', '..')
const RELEASE_WORKFLOW = join(ROOT, '.github', 'workflows', 'release.yml')
const SMOKE_SERVER = join(import.meta.dirname, 'smoke-server.cjs')
// Pinned. Verdaccio 6.10 needs Node 22 or newer: it runs on runtimes/'s Node 24.
const VERDACCIO = 'verdaccio@6.10.4'
const LOCAL_RUNTIMES = join(ROOT, 'runtimes', 'node_modules')
const UPSTREAM = 'https://registry.npmjs.org/'
// Deno's minimal permissions for the package (README: ffi for the addon, read/env/sys for the loader).
const DENO_FLAGS = ['--allow-ffi', '--allow-read', '--allow-env', '--allow-sys']

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, keep: { type: 'boolean' } } })
const started = Date.now()
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const log = (text) => console.error(`rehearse: ${text}`)

/** The environment without npm's own `npm_*` variables (`npm run` sets them; they would configure the inner npm). */
function cleanEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && !/^(NODE_AUTH_TOKEN|NPM_TOKEN|GITHUB_.*)$/.test(key)))
  return { ...env, ...extra }
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...options })
  if (result.error) throw result.error
  return result
}

// ---------------------------------------------------------------------------------------------------
// 1. The binaries

/** The newest modification time among the files that make a binary. */
function newestSource() {
  let newest = 0
  const visit = (path) => {
    const stat = statSync(path)
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) if (name !== 'target') visit(join(path, name))
    } else if (/\.(rs|toml)$/.test(path) || path.endsWith('Cargo.lock')) {
      newest = Math.max(newest, stat.mtimeMs)
    }
  }
  for (const path of ['crates', 'Cargo.toml', 'Cargo.lock']) visit(join(ROOT, path))
  return newest
}

function ensureBinaries() {
  const newest = newestSource()
  const stale = TARGETS.filter((target) => {
    const file = join(ROOT, 'npm', target.platform, `epoll-napi.${target.platform}.node`)
    return !existsSync(file) || statSync(file).mtimeMs < newest
  })
  if (stale.length === 0) {
    log(`reusing the six binaries in npm/<platform>/ (newer than every Rust source)`)
    return
  }
  log(`building ${stale.map((target) => target.platform).join(', ')} (npm run build:targets)`)
  const result = spawnSync('npm', ['run', '--silent', 'build:targets', '--', '--only', stale.map((target) => target.platform).join(',')], { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) {
    const error = result.status === 75 ? new Unavailable('build:targets could not download what it needs') : new Error(`build:targets exited with ${result.status}`)
    throw error
  }
}

// ---------------------------------------------------------------------------------------------------
// 2. The registry

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Processes to stop at the end (process groups: npx starts verdaccio as its child). */
const children = new Set()

function stopAll() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {}
  }
}

async function startRegistry(work) {
  const node24 = join(LOCAL_RUNTIMES, 'node24', 'bin')
  if (!existsSync(join(node24, 'node'))) throw new Error(`no Node 24 in ${node24}: run npm ci --prefix runtimes (npm ci does)`)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  const dir = join(work, 'registry')
  mkdirSync(join(dir, 'storage'), { recursive: true })
  const config = join(dir, 'config.yaml')
  // Our packages have no `proxy`: only what was published here is served under those names.
  writeFileSync(
    config,
    `storage: ${join(dir, 'storage')}
auth:
  htpasswd:
    file: ${join(dir, 'htpasswd')}
    max_users: 10
uplinks:
  npmjs:
    url: ${UPSTREAM}
packages:
  'epoll-napi':
    access: $all
    publish: $authenticated
  'epoll-napi-*':
    access: $all
    publish: $authenticated
  '**':
    access: $all
    publish: $authenticated
    proxy: npmjs
web:
  enable: false
server:
  keepAliveTimeout: 60
max_body_size: 200mb
log: { type: stdout, format: pretty, level: warn }
`,
  )
  const logFile = join(dir, 'verdaccio.log')
  log(`starting ${VERDACCIO} on ${url} (Node 24 from runtimes/), log ${logFile}`)
  const out = openSync(logFile, 'a')
  const child = spawn('npx', ['--yes', VERDACCIO, '--config', config, '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    env: cleanEnv({ PATH: `${node24}:${process.env.PATH}` }),
    stdio: ['ignore', out, out],
    detached: true,
  })
  children.add(child)
  let exited = false
  child.on('exit', () => (exited = true))
  for (let waited = 0; waited < 180_000; waited += 500) {
    if (exited) {
      const text = readFileSync(logFile, 'utf8')
      // npx could not download it: a registry's problem, not the release's.
      const Failure = /E(CONNREFUSED|CONNRESET|TIMEDOUT|NOTFOUND|AI_AGAIN)|network/i.test(text) ? Unavailable : Error
      throw new Failure(`verdaccio exited: ${text.slice(-2000)}`)
    }
    try {
      const response = await fetch(`${url}-/ping`)
      if (response.ok) return { url, port, logFile }
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Unavailable(`verdaccio did not answer on ${url} within 180 s (npx downloads it: is the npm registry reachable?)`)
}

/** GET with a retry: verdaccio closes idle keep-alive connections, and fetch may have pooled one. */
async function getJson(url) {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url)
      if (!response.ok) throw new Error(`GET ${url}: ${response.status}`)
      return await response.json()
    } catch (error) {
      if (attempt === 3) throw error
    }
  }
}

/** A throwaway user of the local registry; returns its token. */
async function throwawayToken(url) {
  const name = `rehearsal-${process.pid}`
  const response = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: `throwaway-${Date.now()}-${Math.random()}`, type: 'user', roles: [] }),
  })
  const body = await response.json()
  if (!response.ok || !body.token) throw new Error(`the local registry refused a user: ${response.status} ${JSON.stringify(body)}`)
  return body.token
}

// ---------------------------------------------------------------------------------------------------
// 3. The release workflow's publish job

/** A copy of this checkout as actions/checkout would give it (tracked files, plus new ones not ignored). */
function checkoutCopy(work) {
  const dir = join(work, 'checkout')
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT }).stdout.split('\0').filter(Boolean)
  for (const file of files) {
    const from = join(ROOT, file)
    if (!existsSync(from) || statSync(from).isDirectory()) continue // deleted in the work tree, or a submodule
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    copyFileSync(from, join(dir, file))
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  return dir
}

/** Runs the publish job's steps in `checkout` against `registry` with `token`. */
function publish(checkout, registry, token, work) {
  const steps = readSteps(RELEASE_WORKFLOW, 'publish')
  let env = cleanEnv({ GITHUB_REF_NAME: `v${pkg.version}`, GITHUB_REF_TYPE: 'tag', CI: 'true' })
  for (const step of steps) {
    const title = step.name ?? step.run?.trim().split('\n')[0] ?? step.uses
    const action = step.uses?.split('@')[0]
    if (action === 'actions/checkout') {
      log(`step (line ${step.line}): ${step.uses}: the copy in ${checkout}`)
    } else if (action === 'actions/setup-node') {
      // What setup-node writes for `registry-url`: the registry and a token read from NODE_AUTH_TOKEN.
      const host = registry.replace(/^https?:/, '')
      const npmrc = join(work, 'setup-node.npmrc')
      writeFileSync(npmrc, `${host}:_authToken=\${NODE_AUTH_TOKEN}\nregistry=${registry}\n`)
      env = { ...env, NPM_CONFIG_USERCONFIG: npmrc, NODE_AUTH_TOKEN: 'XXXXX-XXXXX-XXXXX-XXXXX' }
      log(`step (line ${step.line}): ${step.uses} with registry-url ${step.with['registry-url']}: ${registry} instead, in ${npmrc}`)
    } else if (action === 'actions/download-artifact') {
      if (step.with.pattern !== 'bindings-*') throw new Error(`release.yml line ${step.line}: download-artifact of ${step.with.pattern}: the rehearsal knows bindings-* only`)
      for (const target of TARGETS) {
        const dir = join(checkout, step.with.path, `bindings-${target.platform}`)
        mkdirSync(dir, { recursive: true })
        copyFileSync(join(ROOT, 'npm', target.platform, `epoll-napi.${target.platform}.node`), join(dir, `epoll-napi.${target.platform}.node`))
      }
      log(`step (line ${step.line}): ${step.uses}: the six binaries in ${step.with.path}/bindings-<platform>/`)
    } else if (step.uses) {
      throw new Error(`release.yml line ${step.line}: the rehearsal does not know the step ${step.uses}`)
    } else if (/^npm ci\b/.test(step.run.trim())) {
      log(`step (line ${step.line}): ${step.run.trim()}: replaced by a link to this checkout's node_modules (the same lockfile)`)
    } else {
      const stepEnv = Object.fromEntries(
        Object.entries(step.env).map(([key, value]) => {
          if (value === '${{ secrets.NPM_TOKEN }}') return [key, token]
          if (value.includes('${{')) throw new Error(`release.yml line ${step.line}: ${key} uses an expression the rehearsal cannot fill: ${value}`)
          return [key, value]
        }),
      )
      log(`step (line ${step.line}): ${title}`)
      const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd: checkout, env: { ...env, ...stepEnv }, stdio: 'inherit' })
      if (result.status !== 0) throw new Error(`release.yml line ${step.line}: \`${title}\` exited with ${result.status}`)
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// 4. The consumers

/**
 * @typedef {object} Consumer
 * @property {string} target the platform package npm should choose.
 * @property {string} runtime shown in the table.
 * @property {() => Promise<{ command: string, args: string[], env: Record<string, string> }>} launcher
 * @property {{ cpu?: string, libc?: string }} npm `--cpu`/`--libc` for npm install.
 */

const hostRuntime = (bin, extra = []) => async () => ({ command: bin, args: [...extra], env: {} })

/** A runtime from scripts/targets/runtimes.mjs under QEMU (the loader prefix as test:targets sets it). */
function emulated(platform, name) {
  const runtime = RUNTIMES.find((candidate) => candidate.platform === platform && candidate.name === name)
  if (!runtime) throw new Error(`no ${name} for ${platform} in scripts/targets/runtimes.mjs`)
  const qemu = { x64: 'qemu-x86_64-static', arm64: 'qemu-aarch64-static', arm: 'qemu-arm-static', riscv64: 'qemu-riscv64-static' }[runtime.cpu]
  return async () => {
    let bin
    let root = '/'
    if (runtime.debian) {
      const debian = await ensureDebianRuntime(runtime)
      bin = debian.bin
      root = debian.root
    } else {
      bin = ensureRuntime(runtime)
    }
    if (runtime.libc === 'musl') root = await ensureMuslSysroot(runtime.cpu)
    return { command: qemu, args: [bin], env: { QEMU_LD_PREFIX: root } }
  }
}

/** @type {Consumer[]} */
const CONSUMERS = [
  { target: 'linux-x64-gnu', runtime: `Node ${process.versions.node.split('.')[0]}`, launcher: hostRuntime(process.execPath), npm: {} },
  { target: 'linux-x64-gnu', runtime: 'Node 22', launcher: hostRuntime(join(LOCAL_RUNTIMES, 'node22', 'bin', 'node')), npm: {} },
  { target: 'linux-x64-gnu', runtime: 'Node 24', launcher: hostRuntime(join(LOCAL_RUNTIMES, 'node24', 'bin', 'node')), npm: {} },
  { target: 'linux-x64-gnu', runtime: 'Bun', launcher: hostRuntime(join(LOCAL_RUNTIMES, '.bin', 'bun')), npm: {} },
  { target: 'linux-x64-gnu', runtime: `Deno (${DENO_FLAGS.join(' ')})`, launcher: hostRuntime(join(LOCAL_RUNTIMES, '.bin', 'deno'), ['run', ...DENO_FLAGS]), npm: {} },
  { target: 'linux-arm64-gnu', runtime: 'Node 20 (QEMU)', launcher: emulated('linux-arm64-gnu', 'Node 20'), npm: { cpu: 'arm64', libc: 'glibc' } },
  { target: 'linux-arm-gnueabihf', runtime: 'Node 20 armv7l (QEMU)', launcher: emulated('linux-arm-gnueabihf', 'Node 20'), npm: { cpu: 'arm', libc: 'glibc' } },
  { target: 'linux-riscv64-gnu', runtime: 'Node 20, Debian (QEMU)', launcher: emulated('linux-riscv64-gnu', 'Node 20'), npm: { cpu: 'riscv64', libc: 'glibc' } },
  { target: 'linux-x64-musl', runtime: 'Bun musl (QEMU)', launcher: emulated('linux-x64-musl', 'Bun'), npm: { cpu: 'x64', libc: 'musl' } },
]

/** `npm install epoll-napi` in a fresh folder from the local registry only; says where each package came from. */
function installFrom(registry, dir, consumer, work) {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'rehearsal-consumer', private: true }, null, 2)}\n`)
  // The project's .npmrc names only the local registry; the user config is empty, the cache fresh.
  writeFileSync(join(dir, '.npmrc'), `registry=${registry}\n`)
  const userconfig = join(work, 'empty.npmrc')
  writeFileSync(userconfig, '')
  const flags = [...(consumer.npm.cpu ? [`--cpu=${consumer.npm.cpu}`, '--os=linux'] : []), ...(consumer.npm.libc ? [`--libc=${consumer.npm.libc}`] : [])]
  const args = ['install', '--no-audit', '--no-fund', '--loglevel', 'error', ...flags, 'epoll-napi']
  const env = cleanEnv({ NPM_CONFIG_USERCONFIG: userconfig, NPM_CONFIG_CACHE: join(dir, '.npm-cache') })
  const result = run('npm', args, { cwd: dir, env })
  const lock = existsSync(join(dir, 'node_modules', '.package-lock.json')) ? JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')).packages : {}
  const wanted = ['epoll-napi', `epoll-napi-${consumer.target}`]
  const sources = wanted.map((name) => ({ name, version: lock[`node_modules/${name}`]?.version, resolved: lock[`node_modules/${name}`]?.resolved }))
  const problems = []
  if (result.status !== 0) problems.push(`npm install exited with ${result.status}: ${result.stderr.slice(-1500)}`)
  for (const source of sources) {
    if (!source.resolved) problems.push(`${source.name} is not installed`)
    else if (!source.resolved.startsWith(registry)) problems.push(`${source.name} came from ${source.resolved}`)
    else if (source.version !== pkg.version) problems.push(`${source.name} is ${source.version}, not ${pkg.version}`)
  }
  const license = join(dir, 'node_modules', `epoll-napi-${consumer.target}`, 'LICENSE')
  if (sources[1].resolved && !existsSync(license)) problems.push(`epoll-napi-${consumer.target} has no LICENSE`)
  return { ok: problems.length === 0, problems, command: `npm ${args.join(' ')}` }
}

/** Starts the smoke server with `launch`, echoes a line through it; resolves `{ ok, detail }`. */
async function serve(dir, launch, timeoutSeconds) {
  copyFileSync(SMOKE_SERVER, join(dir, 'smoke-server.cjs'))
  const { command, args, env } = launch
  const child = spawn(command, [...args, 'smoke-server.cjs', String(timeoutSeconds)], {
    cwd: dir,
    env: cleanEnv({ ...env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
  const lines = () => stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
  try {
    const deadline = Date.now() + timeoutSeconds * 1000
    let hello
    while (!(hello = lines().find((line) => 'listening' in line))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        const { code, signal } = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve({}), 1000))])
        return { ok: false, detail: `no server (exit ${code ?? '?'} ${signal ?? ''}): ${stderr.slice(-1500)}${stdout.slice(-500)}` }
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const message = `hello from the rehearsal ${Math.random()}\n`.repeat(3)
    const echoed = await new Promise((resolve, reject) => {
      const socket = createConnection({ port: hello.listening, host: '127.0.0.1' })
      let received = ''
      socket.setEncoding('utf8')
      socket.setTimeout(timeoutSeconds * 1000, () => socket.destroy(new Error('the echo timed out')))
      socket.on('data', (chunk) => {
        received += chunk
        if (received.length >= message.length) socket.end()
      })
      socket.on('end', () => resolve(received))
      socket.on('error', reject)
      socket.write(message)
    })
    const { code, signal } = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve({ code: 'timeout' }), timeoutSeconds * 1000))])
    const bye = lines().find((line) => 'echoed' in line)
    const ok = echoed === message && code === 0 && bye?.echoed === message.length
    const detail = `${hello.arch}, ${hello.loaded.map((path) => path.slice(path.indexOf('node_modules'))).join(' ') || 'binary not listed'}`
    return { ok, detail: ok ? detail : `echo ${echoed === message ? 'ok' : 'wrong'}, exit ${code ?? ''} ${signal ?? ''}: ${stderr.slice(-1500)}` }
  } catch (error) {
    return { ok: false, detail: `${error.message}: ${stderr.slice(-1500)}` }
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {}
    children.delete(child)
  }
}

// ---------------------------------------------------------------------------------------------------

function table(rows) {
  const lines = ['| target | runtime | installed from the local registry | served | time |', '| --- | --- | --- | --- | ---: |']
  for (const row of rows) lines.push(`| ${row.target} | ${row.runtime} | ${row.installed ? 'yes' : 'no'} | ${row.served ? 'yes' : 'no'} | ${row.seconds.toFixed(1)} s |`)
  return lines.join('\n')
}

const work = mkdtempSync(join(tmpdir(), 'epoll-napi-rehearsal-'))
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll()
    if (!values.keep) rmSync(work, { recursive: true, force: true })
    process.exit(130)
  })
}
const rows = []
const errors = []
try {
  ensureBinaries()
  const registry = await startRegistry(work)
  const token = await throwawayToken(registry.url)
  log(`a throwaway token for ${registry.url} (user rehearsal-${process.pid})`)
  const checkout = checkoutCopy(work)
  publish(checkout, registry.url, token, work)
  const published = await getJson(`${registry.url}epoll-napi`)
  log(`the local registry has epoll-napi ${Object.keys(published.versions ?? {}).join(', ')}; optionalDependencies: ${Object.keys(published.versions?.[pkg.version]?.optionalDependencies ?? {}).join(', ')}`)

  const consumers = values.quick ? CONSUMERS.slice(0, 1) : CONSUMERS
  for (const consumer of consumers) {
    const begun = Date.now()
    const dir = join(work, 'consumers', `${consumer.target}-${consumer.runtime.replace(/\W+/g, '-')}`)
    log(`${consumer.target} × ${consumer.runtime}: npm install epoll-napi in ${dir}`)
    const row = { target: consumer.target, runtime: consumer.runtime, installed: false, served: false, seconds: 0 }
    rows.push(row)
    try {
      const installed = installFrom(registry.url, dir, consumer, work)
      row.installed = installed.ok
      log(`  ${installed.ok ? 'installed from the local registry' : `NOT installed: ${installed.problems.join('; ')}`} (${installed.command})`)
      if (installed.ok) {
        const launch = await consumer.launcher()
        const emulatedRun = launch.command.startsWith('qemu-')
        const served = await serve(dir, launch, emulatedRun ? 300 : 60)
        row.served = served.ok
        log(`  ${served.ok ? 'served' : 'NOT served'}: ${served.detail}`)
      }
    } catch (error) {
      log(`  FAILED: ${error.message}`)
      errors.push(error)
    }
    row.seconds = (Date.now() - begun) / 1000
    if (!row.installed || !row.served) errors.push(new Error(`${row.target} × ${row.runtime}`))
  }
} catch (error) {
  log(`FAILED: ${error.stack ?? error.message}${error.cause ? ` (cause: ${error.cause.message ?? error.cause})` : ""}`)
  errors.push(error)
} finally {
  stopAll()
  if (values.keep) log(`kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
}
console.log(table(rows))
console.log(`\nrehearsal: ${errors.length === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s (epoll-napi ${pkg.version}, published to a throwaway registry)`)
process.exit(errors.length === 0 ? 0 : errors.every((error) => error instanceof Unavailable) ? 75 : 1)
