// The cheap part of `npm run build:targets` / `test:targets` (scripts/targets/), run with the suite:
// the target table covers every napi target, and the ELF checks that guard the glibc floor and the
// ARMv6 baseline do reject binaries that break them. (The builds and the QEMU runs themselves take
// tens of minutes; see the README's install section.)
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { parseTriple } from '@napi-rs/cli'

import { ROOT } from '../helpers/child.js'
import { testIf } from '../helpers/skip-if.js'
// @ts-ignore: plain JavaScript modules of the build scripts, without declarations
import { armAttributes, armv6Problems, checkElf } from '../../scripts/targets/elf-check.mjs'
// @ts-ignore: see above
import { TARGETS } from '../../scripts/targets/targets.mjs'

type Target = { triple: string; platform: string; glibc?: string; machine: string }
const targets = TARGETS as Target[]
const byPlatform = (platform: string) => targets.find((target) => target.platform === platform)!
const HOST_ADDON = join(ROOT, 'epoll-napi.linux-x64-gnu.node')
const ARM_ADDON = join(ROOT, 'npm', 'linux-arm-gnueabihf', 'epoll-napi.linux-arm-gnueabihf.node')
const hasReadelf = spawnSync('readelf', ['--version']).status === 0
const onX64Glibc = process.arch === 'x64' && existsSync(HOST_ADDON) && hasReadelf

test('build:targets builds exactly the napi targets of package.json, under their platform names', (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  t.deepEqual(targets.map((target) => target.triple).sort(), [...pkg.napi.targets].sort())
  for (const target of targets) t.is(target.platform, parseTriple(target.triple).platformArchABI)
})

test('the 32-bit ARM target is the ARMv6 + VFPv2 baseline (Raspberry Pi Zero/1), not ARMv7', (t) => {
  t.is(byPlatform('linux-arm-gnueabihf').triple, 'arm-unknown-linux-gnueabihf')
})

testIf(onX64Glibc, 'needs an x86_64 machine, the built x86_64 gnu binary and readelf')('the ELF check accepts the built x86_64 binary and rejects it for a stricter floor or another CPU', (t) => {
  const x64 = byPlatform('linux-x64-gnu')
  t.deepEqual(checkElf(HOST_ADDON, x64), [])
  // It needs GLIBC_2.14 (memcpy) at most.
  t.regex(checkElf(HOST_ADDON, { ...x64, glibc: '2.13' }).join(), /needs GLIBC_2\.14, newer than the 2\.13 floor/)
  t.regex(checkElf(HOST_ADDON, byPlatform('linux-arm64-gnu')).join(), /machine is Advanced Micro Devices X86-64, expected AArch64/)
  t.regex(checkElf(HOST_ADDON, byPlatform('linux-x64-musl')).join(), /a musl binary needs glibc versions/)
})

test('the ARMv6 check rejects what a Raspberry Pi 1 cannot run: ARMv7, Thumb-2, NEON, VFPv3, soft-float calls', (t) => {
  const armv6 = { Tag_CPU_arch: 'v6', Tag_ARM_ISA_use: 'Yes', Tag_THUMB_ISA_use: 'Thumb-1', Tag_FP_arch: 'VFPv2', Tag_ABI_VFP_args: 'VFP registers' }
  t.deepEqual(armv6Problems(armv6), [])
  // What `-mcpu=generic+v7a+vfp3d16` (an armv7 build) records.
  const armv7 = { ...armv6, Tag_CPU_arch: 'v7', Tag_CPU_arch_profile: 'Application', Tag_THUMB_ISA_use: 'Thumb-2', Tag_FP_arch: 'VFPv3-D16' }
  t.is(armv6Problems(armv7).length, 3, armv6Problems(armv7).join('; '))
  t.is(armv6Problems({ ...armv6, Tag_Advanced_SIMD_arch: 'NEONv1' }).length, 1)
  t.is(armv6Problems({ ...armv6, Tag_ABI_VFP_args: undefined }).length, 1)
})

testIf(existsSync(ARM_ADDON) && hasReadelf, 'needs the 32-bit ARM binary (npm run build:targets) and readelf')('the built 32-bit ARM binary records ARMv6 attributes and glibc 2.17 at most', (t) => {
  t.log(JSON.stringify(armAttributes(ARM_ADDON)))
  t.deepEqual(checkElf(ARM_ADDON, byPlatform('linux-arm-gnueabihf')), [])
})
