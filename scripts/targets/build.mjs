// `npm run build:targets [-- --only linux-arm64-gnu,...]`: builds the addon for every target in
// targets.mjs into npm/<platform>/epoll-napi.<platform>.node, installing what it needs, and checks each
// ELF (elf-check.mjs). The x86_64 glibc binary is the one `npm run build:native` makes; the others are
// cross-compiled and linked by zig against the glibc floor of the target (or musl).
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

import { checkElf } from './elf-check.mjs'
import { TARGETS, selectTargets } from './targets.mjs'
import { toolchainFor } from './toolchain.mjs'
import { exitCode } from './unavailable.mjs'
import { linkerFor } from './zig.mjs'

const ROOT = join(import.meta.dirname, '..', '..')
// Its own folder: another rustc's artifacts would otherwise invalidate the host build's cache.
const TARGET_DIR = join(ROOT, 'target', 'targets')
const JOBS = process.env.CARGO_BUILD_JOBS ?? '2' // a shared 2-core machine: never more

function run(command, args, env = {}) {
  const started = Date.now()
  const merged = { ...process.env, ...env }
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete merged[key]
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: merged })
  if (result.error) throw result.error
  if (result.status !== 0) throw new Error(`targets: ${command} ${args.join(' ')} exited with ${result.status}`)
  return (Date.now() - started) / 1000
}

/** Builds one target; returns the path of the binary in npm/<platform>/. */
async function build(target) {
  const out = join(ROOT, 'npm', target.platform, `epoll-napi.${target.platform}.node`)
  if (target.triple === TARGETS[0].triple) {
    // The host build (napi's glibc 2.17 sysroot) also writes binding.js and binding.d.ts.
    const seconds = run('node', [join(ROOT, 'scripts', 'build-native.mjs')])
    copyFileSync(join(ROOT, `epoll-napi.${target.platform}.node`), out)
    return { out, seconds, how: 'napi build --use-napi-cross' }
  }
  const toolchain = await toolchainFor(target.triple)
  const env = {
    ...toolchain.env,
    CARGO_TARGET_DIR: TARGET_DIR,
    [`CARGO_TARGET_${target.triple.toUpperCase().replaceAll('-', '_')}_LINKER`]: linkerFor(target),
    [`CARGO_TARGET_${target.triple.toUpperCase().replaceAll('-', '_')}_RUSTFLAGS`]: target.rustflags.join(' '),
  }
  const args = ['build', '--release', '--locked', '-j', JOBS, '-p', 'epoll-napi', '--target', target.triple, ...toolchain.args]
  const seconds = run(toolchain.cargo, args, env)
  mkdirSync(join(ROOT, 'npm', target.platform), { recursive: true })
  copyFileSync(join(TARGET_DIR, target.triple, 'release', 'libepoll_napi.so'), out)
  return { out, seconds, how: toolchain.how }
}

const { values } = parseArgs({ options: { only: { type: 'string' } } })
const failures = []
for (const target of selectTargets(values.only)) {
  console.error(`\ntargets: building ${target.platform} (${target.triple})`)
  try {
    const { out, seconds, how } = await build(target)
    const problems = checkElf(out, target)
    if (problems.length) throw new Error(`${out}: ${problems.join('; ')}`)
    console.error(`targets: ${target.platform} built in ${seconds.toFixed(0)} s (${how}); ELF checks passed`)
  } catch (error) {
    console.error(`targets: ${target.platform} FAILED: ${error.message}`)
    failures.push(Object.assign(error, { platform: target.platform }))
  }
}
if (failures.length) {
  console.error(`\ntargets: failed: ${failures.map((error) => error.platform).join(', ')}`)
  process.exit(exitCode(failures))
}
