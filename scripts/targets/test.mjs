// `npm run test:targets [-- --only <platform,...>] [--quick]`: for each built target that has a runtime on
// npm (or, for riscv64, in Debian: debian-root.mjs), installs that runtime for that CPU and runs it under
// QEMU user emulation: in every runtime, a check
// that the loader picks this target's binary out of all six platform packages, the event-loop scenario
// of package/runtimes.spec.ts on the main thread and in a worker, and package/daemon-runtimes.spec.ts's daemon helpers;
// in Node also ava's suite (suite.mjs says which specs are left out and why). Bun's musl builds run with a musl root (musl-sysroot.mjs) as QEMU's loader
// prefix, the x86_64 one under qemu-x86_64 for that prefix.
// --quick leaves ava out; --runtime 'Node 20' and --spec epoll/poll.spec.ts (paths under __test__/) narrow it down; --jobs 2 runs two
// emulated suites at a time (one core each). Prints a table and writes
// target/targets-results.json.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

import { ensureApt } from './apt.mjs'
import { makeConsumer } from './consumer.mjs'
import { ensureMuslSysroot } from './musl-sysroot.mjs'
import { RUNTIMES, ensureDebianRuntime, ensureRuntime } from './runtimes.mjs'
import { LEFT_OUT, runAva, specs, unknownLeftOut } from './suite.mjs'
import { TARGETS } from './targets.mjs'
import { formatTable } from './table.mjs'
import { Unavailable, exitCode } from './unavailable.mjs'

const ROOT = join(import.meta.dirname, '..', '..')
const PRELOAD = join(import.meta.dirname, 'qemu-exec.cjs')
const SCENARIO = join(ROOT, '__test__', 'fixtures', 'event-loop-scenario.cjs')
const IN_WORKER = join(ROOT, '__test__', 'fixtures', 'in-worker.cjs')
const STREAM_SCENARIO = join(ROOT, '__test__', 'fixtures', 'stream-scenario.cjs')
const DAEMON_SMOKE = join(ROOT, '__test__', 'fixtures', 'daemon-smoke.cjs')
const requireHere = createRequire(import.meta.url)
const { scenarioOutput, scenarioProblems } = requireHere('../../__test__/fixtures/scenario-expectations.cjs')
const { daemonSmokeProblems } = requireHere('../../__test__/fixtures/daemon-expectations.cjs')
const { IN_CLOSE_WRITE } = requireHere('../../index.js')
// What QEMU 7.2's user mode answers the busy-poll ioctls with: it does not know them.
const EMULATED_BUSY_POLL = 'ENOSYS'
const EXPECTED_WATCHER = { node: 'libuv', bun: 'thread', deno: 'thread' }

const { values } = parseArgs({ options: { only: { type: 'string' }, runtime: { type: 'string' }, spec: { type: 'string' }, quick: { type: 'boolean' }, jobs: { type: 'string' } } })
const wanted = values.only?.split(',')
// A spec moved or renamed without suite.mjs (or a --spec that names none) would quietly run elsewhere or not at all.
const unknownSpecs = [...unknownLeftOut(), ...(values.spec?.split(',').filter((name) => !existsSync(join(ROOT, '__test__', name))) ?? [])]
if (unknownSpecs.length) {
  console.error(`targets: no such spec under __test__/: ${unknownSpecs.join(', ')}`)
  process.exit(1)
}
const runtimes = RUNTIMES.filter((runtime) => (!wanted || wanted.includes(runtime.platform)) && (!values.runtime || values.runtime.split(',').includes(runtime.name)))

try {
  await ensureApt(['qemu-user-static', 'libc6:arm64', 'libstdc++6:arm64', 'libatomic1:arm64', 'libc6:armhf', 'libstdc++6:armhf', 'libatomic1:armhf'])
} catch (error) {
  console.error(error.message)
  process.exit(error instanceof Unavailable ? 75 : 1)
}
const missing = [...new Set(runtimes.map((runtime) => runtime.platform))].filter((platform) => !existsSync(join(ROOT, 'npm', platform, `epoll-napi.${platform}.node`)))
if (missing.length) {
  console.error(`targets: not built: ${missing.join(', ')}; run npm run build:targets first`)
  process.exit(1)
}
if (!existsSync(join(ROOT, 'index.js'))) throw new Error('targets: index.js is missing; run npm run build:ts first')

const consumer = makeConsumer(TARGETS.map((target) => target.platform))
const rows = []

const emulatorNames = new Map()
/** `qemu-aarch64-static 7.2.22`: the emulator and its version. */
function emulatorName(qemu) {
  if (!emulatorNames.has(qemu)) {
    const version = /version (\S+)/.exec(spawnSync(qemu, ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1]
    emulatorNames.set(qemu, version ? `${qemu} ${version}` : qemu)
  }
  return emulatorNames.get(qemu)
}

/**
 * How to start `runtime`: the emulator, its environment, and the runtime's own arguments. `root` is QEMU's
 * loader prefix: / (Debian multiarch) for glibc, a musl root for musl.
 */
function launcher(runtime, root) {
  const qemu = { x64: 'qemu-x86_64-static', arm64: 'qemu-aarch64-static', arm: 'qemu-arm-static', riscv64: 'qemu-riscv64-static' }[runtime.cpu]
  const env = {
    // Where QEMU finds the target's dynamic loader and libraries.
    QEMU_LD_PREFIX: root,
    NODE_OPTIONS: `--require ${PRELOAD}`,
    // tsx's esbuild service is a host binary: the one npm ci installed for x86_64.
    ESBUILD_BINARY_PATH: join(ROOT, 'node_modules', '@esbuild', 'linux-x64', 'bin', 'esbuild'),
    DENO_NO_UPDATE_CHECK: '1',
    NO_COLOR: '1',
    // What the suite's helpers/emulation.ts reads: it scales the time a scenario may take and skips the
    // few specs whose subject QEMU does not emulate (each says what).
    EPOLL_NAPI_TEST_EMULATOR: emulatorName(qemu),
    EPOLL_NAPI_TEST_SLOWDOWN: '10',
  }
  if (runtime.kind !== 'node') delete env.NODE_OPTIONS
  return { qemu, env, prefix: runtime.kind === 'deno' ? ['run', '-A', '--no-lock'] : [] }
}

function runScript(runtime, bin, root, args) {
  const { qemu, env, prefix } = launcher(runtime, root)
  const started = Date.now()
  const result = spawnSync(qemu, [bin, ...prefix, ...args], { cwd: consumer, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 })
  return { ...result, seconds: (Date.now() - started) / 1000 }
}

/** The loader picks npm/<platform>'s binary and it polls: one pass or fail. */
function loaderCheck(runtime, bin, root) {
  const result = runScript(runtime, bin, root, ['which-binary.cjs'])
  const expected = join(consumer, 'node_modules', `epoll-napi-${runtime.platform}`, `epoll-napi.${runtime.platform}.node`)
  try {
    const out = JSON.parse(result.stdout.trim().split('\n').pop())
    const ok = out.supported === true && out.ready === 1 && out.loaded.length === 1 && out.loaded[0] === expected
    return { ok, seconds: result.seconds, detail: ok ? '' : `loaded ${JSON.stringify(out.loaded)}, expected ${expected}` }
  } catch {
    return { ok: false, seconds: result.seconds, detail: `exit ${result.status} ${result.signal ?? ''}: ${result.stderr.slice(-2000)}` }
  }
}

/** Runs a fixture that prints JSON; `problemsOf(out)` says what it got wrong (a crash is a problem too). */
function jsonCheck(runtime, bin, root, args, problemsOf) {
  const result = runScript(runtime, bin, root, args)
  const out = scenarioOutput(result.stdout)
  const problems = out ? problemsOf(out) : [`exit ${result.status} ${result.signal ?? ''}: ${result.stderr.slice(-2000)}`]
  return { ok: problems.length === 0, seconds: result.seconds, detail: problems.join('; ') }
}

/** The event-loop scenario through the installed package (handlers, wait, abort, iteration, close). */
function scenarioCheck(runtime, bin, root, inWorker) {
  const scenario = [SCENARIO, join(consumer, 'node_modules', 'epoll-napi')]
  return jsonCheck(runtime, bin, root, inWorker ? [IN_WORKER, ...scenario] : scenario, (out) => scenarioProblems(out, EXPECTED_WATCHER[runtime.kind]))
}

/**
 * Streams and a datagrams() loop through the installed package: on an emulated CPU QEMU's user mode
 * has no io_uring, so this is where the epoll engine's fallback runs on other CPUs (the detail says
 * which engine ran, and why).
 */
function streamCheck(runtime, bin, root) {
  const engines = []
  const result = jsonCheck(runtime, bin, root, [STREAM_SCENARIO, join(consumer, 'node_modules', 'epoll-napi')], (out) => {
    engines.push(out.engine ? `${out.engine.name}${out.engine.reason ? ` (${out.engine.reason})` : ''}` : 'no engine reported')
    const problems = []
    if (out.pipe !== true) problems.push('pipe bytes differ')
    if (out.echo !== true) problems.push('socket echo bytes differ')
    if (JSON.stringify(out.datagrams) !== JSON.stringify(['pong a', 'pong b', 'pong c'])) problems.push(`datagrams answered ${JSON.stringify(out.datagrams)}`)
    if (out.pendingClose?.closes !== 1 || out.pendingClose?.writeError !== 'EPIPE') problems.push(`close while reading: ${JSON.stringify(out.pendingClose)}`)
    if (out.engine?.stream !== out.engine?.name) problems.push(`a socket stream ran on ${out.engine?.stream}, the engine is ${out.engine?.name}`)
    return problems
  })
  return { ...result, detail: [result.detail, `engine: ${engines.join(', ')}`].filter(Boolean).join('; ') }
}

/** The daemon helpers once each (fd passing, ioctl, inotify, pidfd, systemd, busy polling), as package/daemon-runtimes.spec.ts runs them. */
function daemonCheck(runtime, bin, root) {
  const args = [DAEMON_SMOKE, join(consumer, 'node_modules', 'epoll-napi')]
  return jsonCheck(runtime, bin, root, args, (out) => daemonSmokeProblems(out, { inCloseWrite: IN_CLOSE_WRITE, busyPollUnavailable: EMULATED_BUSY_POLL }))
}

console.error(`targets: specs left out on other targets:\n${Object.entries(LEFT_OUT).map(([spec, why]) => `  ${spec}: ${why}`).join('\n')}`)
const copied = []
const suites = []
for (const runtime of runtimes) {
  const label = `${runtime.platform} × ${runtime.name}`
  console.error(`\ntargets: ${label}`)
  if (runtime.unavailable) {
    console.error(`targets:   not run: ${runtime.unavailable}`)
    rows.push({ target: runtime.platform, runtime: runtime.name, passed: 0, failed: 0, skipped: 1, seconds: 0, note: runtime.unavailable })
    continue
  }
  let bin
  let root = '/'
  try {
    if (runtime.debian) {
      // Debian's Node and its libraries live in their own root (no multiarch riscv64 on bookworm).
      const debian = await ensureDebianRuntime(runtime)
      bin = debian.bin
      root = debian.root
      console.error(`targets:   Debian ${runtime.debian.suite}'s ${runtime.debian.packages[0]} ${debian.version}`)
    } else {
      bin = ensureRuntime(runtime)
    }
    if (runtime.libc === 'musl') root = await ensureMuslSysroot(runtime.cpu)
  } catch (error) {
    rows.push({ target: runtime.platform, runtime: runtime.name, passed: 0, failed: 1, skipped: 0, seconds: 0, note: error.message, error })
    continue
  }
  const started = Date.now()
  const checks = [
    ['loader picks this binary', loaderCheck(runtime, bin, root)],
    ['event-loop scenario', scenarioCheck(runtime, bin, root, false)],
    ['event-loop scenario in a worker', scenarioCheck(runtime, bin, root, true)],
    ['daemon helpers', daemonCheck(runtime, bin, root)],
    ['streams and datagrams()', streamCheck(runtime, bin, root)],
  ]
  const row = { target: runtime.platform, runtime: runtime.name, passed: 0, failed: 0, skipped: 0, seconds: 0, note: '' }
  for (const [name, check] of checks) {
    check.ok ? row.passed++ : row.failed++
    console.error(`targets:   ${check.ok ? 'ok' : 'FAILED'} ${name} (${check.seconds.toFixed(1)} s) ${check.detail}`)
  }
  row.seconds = (Date.now() - started) / 1000
  rows.push(row)
  if (runtime.kind === 'node' && !values.quick) suites.push({ runtime, bin, root, row })
}

/** ava's suite for one Node runtime under QEMU; adds its counts and time to `row`. */
async function runSuite({ runtime, bin, root, row }) {
  // The suite loads the binary next to binding.js, as in a development checkout (copied once: a suite
  // running in parallel has it mapped).
  const binary = join(ROOT, `epoll-napi.${runtime.platform}.node`)
  if (!copied.includes(binary)) {
    copyFileSync(join(ROOT, 'npm', runtime.platform, `epoll-napi.${runtime.platform}.node`), binary)
    copied.push(binary)
  }
  const { qemu, env } = launcher(runtime, root)
  mkdirSync(join(ROOT, 'target'), { recursive: true })
  const log = join(ROOT, 'target', `targets-${runtime.platform}-${runtime.name.replace(' ', '')}.tap`)
  const files = values.spec ? values.spec.split(',').map((name) => join('__test__', name)) : specs()
  console.error(`targets: ${runtime.platform} × ${runtime.name}: ava suite started (${files.length} spec files), log ${log}`)
  const result = await runAva({ qemu, runtime: bin, env, files, timeoutSeconds: 3600, log })
  row.passed += result.passed
  row.failed += result.failed
  row.skipped += result.skipped
  row.seconds += result.seconds
  row.note = `ava: ${log}`
  const lines = result.output.split('\n')
  const failures = lines.filter((text) => /^not ok/.test(text))
  const skips = lines.filter((text) => /^ok .*# SKIP/.test(text))
  console.error(`targets: ${runtime.platform} × ${runtime.name}: ava: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped (${result.seconds.toFixed(0)} s)`)
  for (const line of [...failures, ...skips]) console.error(`targets:     ${line}`)
}

// The emulated suites, `--jobs` at a time (each keeps about one core busy).
const jobs = Math.max(1, Number(values.jobs ?? 1))
await Promise.all(
  Array.from({ length: jobs }, async () => {
    for (let next = suites.shift(); next; next = suites.shift()) await runSuite(next)
  }),
)
for (const file of copied) rmSync(file, { force: true })
rmSync(consumer, { recursive: true, force: true })

const noRuntime = TARGETS.filter((target) => !RUNTIMES.some((runtime) => runtime.platform === target.platform) && (!wanted || wanted.includes(target.platform)))
for (const target of noRuntime) {
  // The host's own binary is the one `npm test` runs natively, in Node 20, 22, 24, Bun and Deno.
  const host = target.triple === TARGETS[0].triple
  rows.push({ target: target.platform, runtime: host ? '(natively: npm test)' : '(none on npm)', passed: 0, failed: 0, skipped: 0, seconds: 0, note: host ? 'npm test' : 'build:targets ELF checks only' })
}
console.log(formatTable(rows))
mkdirSync(join(ROOT, 'target'), { recursive: true })
writeFileSync(join(ROOT, 'target', 'targets-results.json'), `${JSON.stringify(rows, null, 2)}\n`)
// Exit 75 when the only failures are runtimes that could not be downloaded.
process.exit(exitCode(rows.filter((row) => row.failed > 0).map((row) => row.error ?? new Error(row.target))))
