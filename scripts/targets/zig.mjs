// Provides zig (the linker for every cross target: it carries glibc stubs for any version and musl)
// from PyPI's `ziglang` wheel, in a venv under the cache folder, and writes one linker wrapper per
// target, since cargo's `linker` setting takes a program, not a command line.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { CACHE } from './targets.mjs'
import { Unavailable } from './unavailable.mjs'

// Pinned: zig's glibc stubs and its handling of rustc's linker arguments change between releases.
const ZIGLANG = 'ziglang==0.15.2'
const VENV = join(CACHE, 'zig-venv')
const PYTHON = join(VENV, 'bin', 'python')

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'] })
  return result.status === 0
}

/** Installs zig once (quiet when it is there); returns the venv's python, which runs `-m ziglang`. */
export function ensureZig() {
  if (existsSync(join(VENV, 'installed-' + ZIGLANG))) return PYTHON
  console.error(`targets: installing ${ZIGLANG} into ${VENV}`)
  mkdirSync(CACHE, { recursive: true })
  // Debian's python3 (python3-venv); a pyenv shim may lack the venv module.
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
  if (!existsSync(PYTHON) && !run(python, ['-m', 'venv', VENV])) throw new Error(`targets: ${python} -m venv failed (apt-get install python3-venv)`)
  let ok = false
  for (let attempt = 1; attempt <= 3 && !ok; attempt++) {
    ok = run(PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ZIGLANG])
    if (!ok) console.error(`targets: pip install ${ZIGLANG} failed (attempt ${attempt} of 3)`)
  }
  if (!ok) throw new Unavailable(`targets: could not install ${ZIGLANG} from PyPI; is the package index reachable?`)
  writeFileSync(join(VENV, 'installed-' + ZIGLANG), '')
  return PYTHON
}

/** Writes (idempotently) `<cache>/linkers/<triple>`: `zig cc -target <zig> <flags> "$@"`. */
export function linkerFor(target) {
  const python = ensureZig()
  const dir = join(CACHE, 'linkers')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, target.triple)
  const flags = target.zigFlags.join(' ')
  writeFileSync(path, `#!/bin/sh\nexec "${python}" -m ziglang cc -target ${target.zig} ${flags} "$@"\n`)
  chmodSync(path, 0o755)
  return path
}
