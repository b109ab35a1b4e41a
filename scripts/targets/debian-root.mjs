// A Debian root for a CPU that has no JavaScript runtime on npm (riscv64): Debian trixie's own `nodejs`
// and its libraries, unpacked (never installed or configured) by mmdebstrap's `extract` variant into the
// download cache, and used as QEMU's loader prefix (`qemu-riscv64-static -L <root>`). Unpacking runs
// nothing of the foreign CPU, so it needs no binfmt_misc. QEMU looks a path up in the root first and
// falls back to this machine's files, so the repository, /tmp and /proc stay reachable.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

import { ensureApt } from './apt.mjs'
import { CACHE } from './targets.mjs'
import { Unavailable } from './unavailable.mjs'

const MIRROR = 'http://deb.debian.org/debian'
const ATTEMPTS = 3

/**
 * The root for `dpkgArch` from `suite` holding `packages` (and their dependencies), made once (quiet when
 * it is there); returns `{ root, versions }`, `versions` mapping each of `packages` to its Debian version.
 */
export async function ensureDebianRoot({ dpkgArch, suite, packages }) {
  const root = join(CACHE, `debian-${suite}-${dpkgArch}-${packages.join('-')}`)
  const ready = join(root, 'ready.json')
  if (existsSync(ready)) return { root, versions: JSON.parse(readFileSync(ready, 'utf8')) }
  await ensureApt(['mmdebstrap'])
  mkdirSync(CACHE, { recursive: true })
  const partial = `${root}.${process.pid}.partial`
  console.error(`targets: unpacking Debian ${suite}'s ${packages.join(', ')} for ${dpkgArch} into ${root} (mmdebstrap --variant=extract)`)
  const args = ['--quiet', '--variant=extract', `--architectures=${dpkgArch}`, `--include=${packages.join(',')}`, suite, partial, MIRROR]
  let ok = false
  for (let attempt = 1; attempt <= ATTEMPTS && !ok; attempt++) {
    rmSync(partial, { recursive: true, force: true })
    const result = spawnSync('mmdebstrap', args, { stdio: ['ignore', 'ignore', 'inherit'] })
    ok = result.status === 0
    if (!ok) console.error(`targets: mmdebstrap failed (attempt ${attempt} of ${ATTEMPTS})`)
  }
  if (!ok) {
    rmSync(partial, { recursive: true, force: true })
    throw new Unavailable(`targets: could not unpack Debian ${suite}'s ${packages.join(', ')} for ${dpkgArch} (is ${MIRROR} reachable?)`)
  }
  // trixie is merged-/usr: base-files would make these links, but `extract` configures nothing. The ELF
  // interpreter is /lib/ld-linux-<cpu>.so.1.
  for (const dir of ['bin', 'sbin', 'lib']) if (!existsSync(join(partial, dir))) symlinkSync(`usr/${dir}`, join(partial, dir))
  // `extract` leaves dpkg's status empty: each version is read from the package's changelog.
  const versions = Object.fromEntries(packages.map((name) => [name, changelogVersion(partial, name)]))
  writeFileSync(join(partial, 'ready.json'), `${JSON.stringify(versions)}\n`)
  rmSync(root, { recursive: true, force: true })
  renameSync(partial, root)
  return { root, versions }
}

/** The version of `name` from the first line of its Debian changelog (`nodejs (20.19.2+dfsg-1) trixie; ...`). */
function changelogVersion(root, name) {
  try {
    const text = gunzipSync(readFileSync(join(root, 'usr', 'share', 'doc', name, 'changelog.Debian.gz'))).toString('utf8', 0, 200)
    return /^\S+ \(([^)]+)\)/.exec(text)?.[1] ?? '?'
  } catch {
    return '?'
  }
}
