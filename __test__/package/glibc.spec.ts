import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'

import { ROOT } from '../helpers/child.js'
import { skipIf } from '../helpers/skip-if.js'
import { compareVersions, glibcVersion, glibcVersionsNeeded, readVersionNeeds } from '../helpers/package/elf-version-needs.js'

// What CentOS 7 and Ubuntu 14.04 ship: the oldest glibc the published x86_64 binary promises to load on.
const OLDEST_GLIBC = [2, 17]
const ADDON = join(ROOT, 'epoll-napi.linux-x64-gnu.node')
const newerThanOldest = (names: string[]) => names.filter((name) => compareVersions(glibcVersion(name)!, OLDEST_GLIBC) > 0)

// Only the x86_64 glibc build is linked against the 2.17 sysroot (scripts/build-native.mjs).
const onX64Glibc =
  process.platform === 'linux' &&
  process.arch === 'x64' &&
  Boolean((process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime)
const notX64Glibc = !onX64Glibc && `only the x86_64 glibc build is linked against the 2.17 sysroot (this is ${process.arch}, ${process.platform})`
const x64GlibcTest = skipIf(notX64Glibc)
const hasReadelf = spawnSync('readelf', ['--version']).status === 0

x64GlibcTest('the built x86_64 gnu addon needs no glibc symbol newer than 2.17', (t) => {
  const needed = glibcVersionsNeeded(ADDON)
  t.true(needed.includes('GLIBC_2.2.5'), `the addon's glibc needs were found: ${needed.join(', ')}`)
  t.deepEqual(newerThanOldest(needed), [], `it needs ${needed.join(', ')}`)
})

x64GlibcTest('the check does see a newer glibc where a binary needs one (this Node needs one)', (t) => {
  const needed = glibcVersionsNeeded(process.execPath)
  t.not(newerThanOldest(needed).length, 0, `node needs ${needed.join(', ')}`)
})

skipIf(notX64Glibc || (!hasReadelf && 'readelf is not installed: nothing to compare with'))('the ELF reader lists the same version needs as readelf -V', (t) => {
  const readelf = execFileSync('readelf', ['-V', '--wide', ADDON], { encoding: 'utf8' })
  const section = readelf.slice(readelf.indexOf("'.gnu.version_r'"))
  const fromReadelf = [...section.matchAll(/Name: (\S+)/g)].map((m) => m[1]).sort()
  const fromReader = readVersionNeeds(ADDON).flatMap((need) => need.versions).sort()
  t.deepEqual(fromReader, fromReadelf)
})
