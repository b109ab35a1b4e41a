// Chooses the Rust toolchain for a cross build. Where rustup has the target's standard library
// (GitHub's runners: `rustup target add`), that is used. Elsewhere (this machine: rustup cannot download)
// Debian's rustc-web builds the standard library from rust-web-src (`-Zbuild-std`, allowed on a stable
// compiler by RUSTC_BOOTSTRAP=1).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

import { ensureApt } from './apt.mjs'

// The workspace's rust-version (napi 3 needs 1.88).
const MINIMUM_DEBIAN_RUSTC = '1.88'
const DEBIAN_CARGO = '/usr/bin/cargo'
const DEBIAN_RUSTC = '/usr/bin/rustc'

function rustupHas(triple) {
  const result = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' })
  return result.status === 0 && result.stdout.split('\n').includes(triple)
}

/**
 * The cargo command, extra cargo arguments and environment that build `triple`:
 * `{ cargo, args, env, how }` (`how` says which route, for the log).
 */
export async function toolchainFor(triple) {
  if (rustupHas(triple)) return { cargo: 'cargo', args: [], env: {}, how: 'rustup' }
  await ensureApt(['rustc-web', 'cargo-web', 'rust-web-src'], { 'rustc-web': MINIMUM_DEBIAN_RUSTC })
  if (!existsSync(DEBIAN_CARGO) || !existsSync(DEBIAN_RUSTC)) throw new Error(`targets: ${DEBIAN_CARGO} or ${DEBIAN_RUSTC} is missing after installing rustc-web`)
  return {
    cargo: DEBIAN_CARGO,
    args: ['-Zbuild-std=std,panic_abort'],
    // RUSTC: without it Debian's cargo would run rustup's rustc (first on PATH), which lacks the std
    // sources. RUSTUP_TOOLCHAIN is unset so that a rustup proxy is never consulted.
    env: { RUSTC: DEBIAN_RUSTC, RUSTDOC: '/usr/bin/rustdoc', RUSTC_BOOTSTRAP: '1', RUSTUP_TOOLCHAIN: undefined },
    how: 'Debian rustc-web with -Zbuild-std',
  }
}
