// A musl root for QEMU's loader prefix (QEMU_LD_PREFIX), so that Bun's musl builds run on this Debian
// machine. They need two things Debian bookworm lacks:
// - a musl loader new enough for RELR relocations (musl 1.2.4+; bookworm has 1.2.3): Debian trixie's
//   `musl` package, downloaded from its pool and unpacked (not installed: bookworm's own stays);
// - a musl libstdc++ from GCC 13 or later (Bun calls `std::__glibcxx_assert_fail`). Debian builds none;
//   PyPI's musllinux_1_2 wheels of C++ extensions bundle Alpine's. kiwisolver's is small, and its 1.5.1
//   wheels carry GCC 14.2's libstdc++.so.6.0.33 and libgcc_s (GCC runtime library exception).
// The root holds only lib/ld-musl-<arch>.so.1, those libraries, the loader's search path and Alpine's
// /usr/bin/ldd (a script naming the musl loader, which napi-rs's binding.js reads to tell musl from
// glibc): QEMU looks a file up there first and falls back to the real one, so everything else comes from
// this machine.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { CACHE } from './targets.mjs'
import { Unavailable } from './unavailable.mjs'
import { ensureZig } from './zig.mjs'

const DEBIAN = 'http://deb.debian.org/debian'
const SUITE = 'trixie'
const WHEEL = 'kiwisolver==1.5.1'
const ARCH = {
  x64: { dpkg: 'amd64', musl: 'x86_64', wheel: 'musllinux_1_2_x86_64' },
  arm64: { dpkg: 'arm64', musl: 'aarch64', wheel: 'musllinux_1_2_aarch64' },
}

async function download(url) {
  let last
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(120_000) })
      if (response.ok) return Buffer.from(await response.arrayBuffer())
      last = new Error(`HTTP ${response.status}`)
    } catch (error) {
      last = error
    }
    console.error(`targets: download of ${url} failed (attempt ${attempt} of 3): ${last.message}`)
  }
  throw new Unavailable(`targets: could not download ${url}: ${last.message}`)
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options })
  if (result.status !== 0) throw new Error(`targets: ${command} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`)
  return result.stdout
}

/** The trixie `musl` package for `dpkgArch`: `{ version, filename, sha256 }` from the suite's index. */
async function muslPackage(dpkgArch) {
  const index = run('xz', ['-dc'], { input: await download(`${DEBIAN}/dists/${SUITE}/main/binary-${dpkgArch}/Packages.xz`), maxBuffer: 1 << 30 })
  const stanza = index.split('\n\n').find((text) => text.startsWith('Package: musl\n'))
  const field = (name) => stanza && new RegExp(`^${name}: (.+)$`, 'm').exec(stanza)?.[1]
  if (!field('Filename')) throw new Error(`targets: Debian ${SUITE} has no musl package for ${dpkgArch}`)
  return { version: field('Version'), filename: field('Filename'), sha256: field('SHA256') }
}

/** The musl root for `cpu` ('x64' or 'arm64'), made once (quiet when it exists); returns its path. */
export async function ensureMuslSysroot(cpu) {
  const arch = ARCH[cpu]
  if (!arch) throw new Error(`targets: no musl root for ${cpu}`)
  const root = join(CACHE, `musl-root-${cpu}`)
  if (existsSync(join(root, 'ready'))) return root
  console.error(`targets: making a musl root for ${cpu} (Debian ${SUITE}'s musl, libstdc++ from PyPI's ${WHEEL})`)
  mkdirSync(CACHE, { recursive: true })
  const work = mkdtempSync(join(CACHE, `musl-root-${cpu}-`))
  try {
    const lib = join(work, 'root', 'lib')
    mkdirSync(lib, { recursive: true })
    mkdirSync(join(work, 'root', 'etc'))

    const musl = await muslPackage(arch.dpkg)
    const deb = await download(`${DEBIAN}/${musl.filename}`)
    const digest = createHash('sha256').update(deb).digest('hex')
    if (digest !== musl.sha256) throw new Error(`targets: ${musl.filename}: sha256 ${digest}, the index says ${musl.sha256}`)
    writeFileSync(join(work, 'musl.deb'), deb)
    run('dpkg-deb', ['-x', join(work, 'musl.deb'), join(work, 'deb')])
    // trixie is merged-/usr: the loader the binaries name as /lib/ld-musl-<arch>.so.1 is in usr/lib.
    copyFileSync(join(work, 'deb', 'usr', 'lib', `ld-musl-${arch.musl}.so.1`), join(lib, `ld-musl-${arch.musl}.so.1`))

    const python = ensureZig() // the cache's venv, which has pip
    const wheels = join(work, 'wheels')
    const pip = ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps', '--only-binary=:all:', '--platform', arch.wheel, '--python-version', '3.13', '-d', wheels, WHEEL]
    if (spawnSync(python, pip, { stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) throw new Unavailable(`targets: could not download ${WHEEL} (${arch.wheel}) from PyPI`)
    const [wheel] = readdirSync(wheels)
    run(python, ['-m', 'zipfile', '-e', join(wheels, wheel), join(work, 'wheel')])
    const bundled = join(work, 'wheel', 'kiwisolver.libs')
    for (const name of readdirSync(bundled)) copyFileSync(join(bundled, name), join(lib, name))
    const libstdcxx = readdirSync(bundled).find((name) => name.startsWith('libstdc++'))
    if (!libstdcxx) throw new Error(`targets: ${wheel} bundles no libstdc++`)
    // Bun asks for libstdc++.so.6; the wheel's copy is renamed, and itself asks for its libgcc_s by its new name.
    symlinkSync(libstdcxx, join(lib, 'libstdc++.so.6'))
    writeFileSync(join(work, 'root', 'etc', `ld-musl-${arch.musl}.path`), '/lib\n')
    mkdirSync(join(work, 'root', 'usr', 'bin'), { recursive: true })
    writeFileSync(join(work, 'root', 'usr', 'bin', 'ldd'), `#!/bin/sh\nexec /lib/ld-musl-${arch.musl}.so.1 --list "$@"\n`, { mode: 0o755 })
    writeFileSync(join(work, 'root', 'ready'), `musl ${musl.version}, ${WHEEL} ${wheel}\n`)
    rmSync(root, { recursive: true, force: true })
    renameSync(join(work, 'root'), root)
    return root
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
