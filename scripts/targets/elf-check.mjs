// Checks a built binary with readelf (binutils reads every architecture's ELF): the machine, the C
// library it links (glibc no newer than the target's floor, or musl), and for 32-bit ARM the CPU
// attributes that decide whether a Raspberry Pi Zero/1 (ARMv6, VFPv2, no NEON, Thumb-1) can run it.
import { spawnSync } from 'node:child_process'

function readelf(args, path) {
  const result = spawnSync('readelf', [...args, '--wide', path], { encoding: 'utf8' })
  if (result.error || result.status !== 0) throw new Error(`readelf ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`)
  return result.stdout
}

const versionParts = (version) => version.split('.').map(Number)
function newer(a, b) {
  const [x, y] = [versionParts(a), versionParts(b)]
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0)
  return false
}

/** The `GLIBC_x.y` versions the binary needs, as `x.y` strings. */
export function glibcNeeds(path) {
  return [...new Set([...readelf(['-V'], path).matchAll(/Name: GLIBC_([0-9.]+)/g)].map((match) => match[1]))]
}

/** ARM build attributes (`readelf -A`): `{ Tag_CPU_arch: 'v6', ... }`. */
export function armAttributes(path) {
  return Object.fromEntries([...readelf(['-A'], path).matchAll(/^\s*(Tag_\w+): (.*)$/gm)].map((match) => [match[1], match[2].trim()]))
}

/** What a Raspberry Pi Zero/1 (ARM1176JZF-S) cannot run, as readable problems. */
export function armv6Problems(attributes) {
  const problems = []
  if (!['v6', 'v6KZ', 'v6K', 'v5TE', 'v5TEJ', 'v4T'].includes(attributes.Tag_CPU_arch)) problems.push(`Tag_CPU_arch is ${attributes.Tag_CPU_arch}, not ARMv6 or older`)
  if (attributes.Tag_CPU_arch_profile && attributes.Tag_CPU_arch_profile !== 'Application') problems.push(`profile ${attributes.Tag_CPU_arch_profile}`)
  if (attributes.Tag_Advanced_SIMD_arch && attributes.Tag_Advanced_SIMD_arch !== 'No') problems.push(`needs ${attributes.Tag_Advanced_SIMD_arch} (NEON)`)
  if (attributes.Tag_THUMB_ISA_use && /Thumb-2/.test(attributes.Tag_THUMB_ISA_use)) problems.push('needs Thumb-2')
  if (attributes.Tag_FP_arch && attributes.Tag_FP_arch !== 'VFPv2') problems.push(`Tag_FP_arch is ${attributes.Tag_FP_arch}, the Pi 1 has VFPv2`)
  if (attributes.Tag_ABI_VFP_args !== 'VFP registers') problems.push(`Tag_ABI_VFP_args is ${attributes.Tag_ABI_VFP_args}, not hard-float`)
  return problems
}

/** Every way the binary at `path` does not fit `target` (targets.mjs); empty when it fits. */
export function checkElf(path, target) {
  const problems = []
  const header = readelf(['-h'], path)
  const machine = /Machine:\s+(.*)/.exec(header)?.[1].trim()
  if (machine !== target.machine) problems.push(`machine is ${machine}, expected ${target.machine}`)
  if (!/Type:\s+DYN/.test(header)) problems.push('not a shared object')
  const needed = [...readelf(['-d'], path).matchAll(/\(NEEDED\)\s+Shared library: \[(.*)\]/g)].map((match) => match[1])
  const glibc = glibcNeeds(path)
  if (target.glibc) {
    if (glibc.length === 0) problems.push('needs no GLIBC_ symbol version: not linked against glibc')
    const tooNew = glibc.filter((version) => newer(version, target.glibc))
    if (tooNew.length) problems.push(`needs GLIBC_${tooNew.join(', GLIBC_')}, newer than the ${target.glibc} floor`)
  } else {
    if (glibc.length) problems.push(`a musl binary needs glibc versions ${glibc.join(', ')}`)
    if (needed.some((name) => /^libc\.so\.6$|^ld-linux/.test(name))) problems.push(`a musl binary links ${needed.join(', ')}`)
  }
  if (target.triple.startsWith('arm-')) problems.push(...armv6Problems(armAttributes(path)))
  return problems
}
