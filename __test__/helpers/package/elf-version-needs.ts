import { readFileSync } from 'node:fs'

/** One shared library a binary links against and the symbol versions it needs from it. */
export interface VersionNeed {
  file: string
  versions: string[]
}

const SHT_GNU_VERNEED = 0x6ffffffe

/**
 * The `.gnu.version_r` section of a 64-bit little-endian ELF file: for each library, the symbol
 * versions (`GLIBC_2.14`, ...) the dynamic loader must find or it refuses to load the file. This is
 * what `readelf -V` prints under "Version needs"; reading it here keeps the check free of binutils.
 */
export function readVersionNeeds(path: string): VersionNeed[] {
  const elf = readFileSync(path)
  if (elf.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`)
  if (elf[4] !== 2 || elf[5] !== 1) throw new Error(`${path} is not a 64-bit little-endian ELF file`)
  const sectionTable = Number(elf.readBigUInt64LE(0x28))
  const entrySize = elf.readUInt16LE(0x3a)
  const count = elf.readUInt16LE(0x3c)
  const section = (index: number) => {
    const at = sectionTable + index * entrySize
    return {
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 0x18)),
      link: elf.readUInt32LE(at + 0x28),
      info: elf.readUInt32LE(at + 0x2c),
    }
  }
  const needs: VersionNeed[] = []
  for (let i = 0; i < count; i++) {
    const verneed = section(i)
    if (verneed.type !== SHT_GNU_VERNEED) continue
    const strings = section(verneed.link).offset
    const string = (offset: number) => {
      const start = strings + offset
      return elf.toString('latin1', start, elf.indexOf(0, start))
    }
    // Elf64_Verneed { u16 version, u16 cnt, u32 file, u32 aux, u32 next }, `info` entries long;
    // each points at `cnt` Elf64_Vernaux { u32 hash, u16 flags, u16 other, u32 name, u32 next }.
    let entry = verneed.offset
    for (let n = 0; n < verneed.info; n++) {
      const auxCount = elf.readUInt16LE(entry + 2)
      const need: VersionNeed = { file: string(elf.readUInt32LE(entry + 4)), versions: [] }
      let aux = entry + elf.readUInt32LE(entry + 8)
      for (let k = 0; k < auxCount; k++) {
        need.versions.push(string(elf.readUInt32LE(aux + 8)))
        aux += elf.readUInt32LE(aux + 12)
      }
      needs.push(need)
      entry += elf.readUInt32LE(entry + 12)
    }
  }
  return needs
}

/** `'GLIBC_2.17'` -> `[2, 17]`; `null` for other version names (`GCC_3.0`, ...). */
export function glibcVersion(name: string): number[] | null {
  const match = /^GLIBC_(\d+(?:\.\d+)*)$/.exec(name)
  return match ? match[1].split('.').map(Number) : null
}

/** Orders dotted versions numerically: `2.9 < 2.14 < 2.17`. */
export function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0)
    if (diff !== 0) return diff
  }
  return 0
}

/** Every `GLIBC_*` version a binary needs, from any glibc library, oldest first. */
export function glibcVersionsNeeded(path: string): string[] {
  const names = new Set(readVersionNeeds(path).flatMap((need) => need.versions))
  return [...names]
    .filter((name) => glibcVersion(name) !== null)
    .sort((a, b) => compareVersions(glibcVersion(a)!, glibcVersion(b)!))
}
