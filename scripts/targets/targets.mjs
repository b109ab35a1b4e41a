// The Linux targets `npm run build:targets` builds and `npm run test:targets` runs: one table, so the
// build, the ELF checks and the QEMU runs agree on triples, platform names and glibc floors.
import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * @typedef {object} Target
 * @property {string} triple Rust target triple.
 * @property {string} platform napi-rs platform name: `npm/<platform>/`, `epoll-napi.<platform>.node`.
 * @property {string} zig `zig cc -target` value; for glibc the suffix is the glibc version linked against.
 * @property {string[]} zigFlags extra `zig cc` flags (the CPU baseline of the C runtime objects).
 * @property {string[]} rustflags extra RUSTFLAGS.
 * @property {string} machine what `readelf -h` prints as Machine.
 * @property {string | undefined} glibc highest GLIBC_ symbol version allowed; undefined for musl.
 * @property {string | undefined} qemu the qemu-user binary that runs it; undefined for the host.
 * @property {string | undefined} dpkgArch Debian architecture of the libraries QEMU needs (`-L /`).
 */

/** @type {Target[]} */
export const TARGETS = [
  { triple: 'x86_64-unknown-linux-gnu', platform: 'linux-x64-gnu', zig: 'x86_64-linux-gnu.2.17', zigFlags: [], rustflags: [], machine: 'Advanced Micro Devices X86-64', glibc: '2.17' },
  {
    triple: 'x86_64-unknown-linux-musl',
    platform: 'linux-x64-musl',
    zig: 'x86_64-linux-musl',
    zigFlags: [],
    // A cdylib cannot be statically linked; napi-rs's musl builds do the same.
    rustflags: ['-C', 'target-feature=-crt-static'],
    machine: 'Advanced Micro Devices X86-64',
  },
  { triple: 'aarch64-unknown-linux-gnu', platform: 'linux-arm64-gnu', zig: 'aarch64-linux-gnu.2.17', zigFlags: [], rustflags: [], machine: 'AArch64', glibc: '2.17', qemu: 'qemu-aarch64-static', dpkgArch: 'arm64' },
  {
    triple: 'aarch64-unknown-linux-musl',
    platform: 'linux-arm64-musl',
    zig: 'aarch64-linux-musl',
    zigFlags: [],
    rustflags: ['-C', 'target-feature=-crt-static'],
    machine: 'AArch64',
    qemu: 'qemu-aarch64-static',
  },
  {
    // ARMv6 + VFPv2 (Raspberry Pi Zero/1, Raspberry Pi OS's baseline): the same file runs on ARMv7 and
    // ARMv8 in 32-bit mode, so one package serves every 32-bit Pi.
    triple: 'arm-unknown-linux-gnueabihf',
    platform: 'linux-arm-gnueabihf',
    zig: 'arm-linux-gnueabihf.2.17',
    zigFlags: ['-mcpu=arm1176jzf_s'],
    rustflags: [],
    machine: 'ARM',
    glibc: '2.17',
    qemu: 'qemu-arm-static',
    dpkgArch: 'armhf',
  },
  // glibc gained riscv64 in 2.27: the oldest it can be linked against.
  { triple: 'riscv64gc-unknown-linux-gnu', platform: 'linux-riscv64-gnu', zig: 'riscv64-linux-gnu.2.27', zigFlags: [], rustflags: [], machine: 'RISC-V', glibc: '2.27' },
]

/** Where downloaded tools (the zig venv, runtimes for other CPUs) are kept between runs. */
export const CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'epoll-napi-targets')

/** Picks targets by platform or triple from a comma list (`--only linux-arm64-gnu,...`); all when empty. */
export function selectTargets(only) {
  if (!only) return TARGETS
  const wanted = only.split(',')
  const picked = TARGETS.filter((target) => wanted.includes(target.platform) || wanted.includes(target.triple))
  const unknown = wanted.filter((name) => !picked.some((target) => target.platform === name || target.triple === name))
  if (unknown.length) throw new Error(`unknown target(s): ${unknown.join(', ')}; known: ${TARGETS.map((target) => target.platform).join(', ')}`)
  return picked
}
