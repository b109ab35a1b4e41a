// Which specs of __test__/ run on another target, and how ava runs them there under QEMU.
import { spawn } from 'node:child_process'
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')

/** Specs left out on other targets (by their path under __test__/), and why. */
export const LEFT_OUT = {
  'package/package.spec.ts': 'packs and installs with npm (packaging machinery); the loader check below covers the installed layout per target',
  'package/workflows.spec.ts': 'runs actionlint on the workflow files: nothing target-specific',
  'package/docs.spec.ts': 'runs typedoc over the sources: nothing target-specific',
  'package/glibc.spec.ts': 'reads the x86_64 binary; elf-check.mjs checks every target binary instead',
  'package/targets.spec.ts': "checks this machine's build scripts and the files they wrote (through @napi-rs/cli, which needs a newer Node than the armv7l one on npm): nothing that runs on the target",
  'package/skips.spec.ts': 'reads the spec sources for skips reported as passes: nothing target-specific',
  'package/test-scripts.spec.ts': "reads package.json's test scripts: nothing target-specific",
  'package/binary-missing.spec.ts':
    'packs and installs with npm (packaging machinery) and runs the x86_64 Deno and Node 24 of runtimes/; the loader check covers each target',
  'package/readme-compiles.spec.ts':
    "type-checks the documentation's code with TypeScript: nothing target-specific (what its runnable blocks call, the behaviour specs cover)",
}

/** The spec files under __test__/ (every folder, the stress run included), as paths under __test__/. */
function allSpecs(dir = '') {
  return readdirSync(join(ROOT, '__test__', dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir ? `${dir}/${entry.name}` : entry.name
    if (entry.isDirectory()) return entry.name === 'helpers' || entry.name === 'fixtures' ? [] : allSpecs(path)
    return entry.name.endsWith('.spec.ts') ? [path] : []
  })
}

/** The spec files run on other targets. */
export function specs() {
  return allSpecs()
    .filter((path) => !(path in LEFT_OUT))
    .sort()
    .map((path) => join('__test__', path))
}

/** The specs LEFT_OUT names that do not exist (a spec moved or renamed without this list). */
export function unknownLeftOut() {
  const known = new Set(allSpecs())
  return Object.keys(LEFT_OUT).filter((path) => !known.has(path))
}

/**
 * Runs ava (from node_modules) with `runtime` under `qemu`; resolves `{ passed, failed, skipped, seconds,
 * output }` from its TAP summary. `env` is added to the environment (QEMU_LD_PREFIX, NODE_OPTIONS, ...);
 * the output also goes to `log` as it comes, to follow a run that takes many minutes.
 */
export function runAva({ qemu, runtime, env, files, timeoutSeconds, log }) {
  const started = Date.now()
  const ava = join(ROOT, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')
  // --concurrency 1: a 2-core machine emulating another CPU; timing-based tests need the headroom.
  const args = [runtime, ava, '--tap', '--concurrency', '1', '--timeout', '10m', ...files]
  return new Promise((resolve) => {
    const child = spawn(qemu, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    writeFileSync(log, '')
    const collect = (chunk) => {
      output += chunk
      appendFileSync(log, chunk)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)`, 'm').exec(output)?.[1] ?? 0)
      const skipped = count('skip') + count('todo')
      let failed = count('fail')
      if ((code !== 0 || signal) && failed === 0) failed = 1 // ava itself failed (or timed out)
      resolve({ passed: count('pass'), failed, skipped, seconds: (Date.now() - started) / 1000, output, code, signal })
    })
  })
}
