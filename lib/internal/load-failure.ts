/**
 * Why the native binding did not load, in words a user can act on. The loader (`binding.js`, made by
 * napi-rs) throws one generic "Cannot find native binding" error whose real reason sits several
 * `cause`s deep; this module looks at the machine instead and names the fix: the platform package
 * to install, or the runtime permissions to grant. The loader's full story stays in `cause`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { binaryMissing, nodeAddonsDisabled, runtimePermissionDenied, unsupportedPlatform } from './errors'

/** The package root (this file is `lib/internal/load-failure.js` in the installed package). */
const ROOT = join(__dirname, '..', '..')

/**
 * The platform packages the release publishes (`npm/<platform>/`, one per `napi.targets` entry);
 * `__test__/package/binary-missing.spec.ts` checks that this list matches that folder.
 */
export const PUBLISHED_PLATFORMS: readonly string[] = [
  'linux-x64-gnu',
  'linux-x64-musl',
  'linux-arm64-gnu',
  'linux-arm64-musl',
  'linux-arm-gnueabihf',
  'linux-riscv64-gnu',
]

/**
 * The C library the loader picks a binary for, decided as `binding.js` decides it: `/usr/bin/ldd`
 * mentions musl on musl systems; failing that, Node's report names the glibc it runs on.
 */
export function libcFamily(): 'glibc' | 'musl' {
  try {
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl') ? 'musl' : 'glibc'
  } catch {
    // unreadable (no ldd, or a runtime without read permission): ask the report, as the loader does
  }
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string }; sharedObjects?: string[] }
    if (report?.header?.glibcVersionRuntime) return 'glibc'
    if (report?.sharedObjects?.some((file) => file.includes('libc.musl-') || file.includes('ld-musl-'))) return 'musl'
  } catch {
    // no report either: the loader then assumes glibc too
  }
  return 'glibc'
}

/** `linux-x64-gnu`, `linux-arm-gnueabihf`, `linux-arm64-musl`, ...: the suffix `binding.js` looks for. */
export function platformName(arch: string = process.arch, libc: 'glibc' | 'musl' = libcFamily()): string {
  const abi = libc === 'musl' ? 'musl' : 'gnu'
  return `linux-${arch}-${arch === 'arm' ? `${abi}eabihf` : abi}`
}

/** The main package's name and version, as installed (the platform package must have the same version). */
function ownPackage(): { name: string; version: string } {
  try {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string }
    return { name: manifest.name, version: manifest.version }
  } catch {
    return { name: 'epoll-napi', version: 'latest' }
  }
}

/** Whether a package can be found from this package, the way `binding.js` looks for it. */
function resolvable(name: string): boolean {
  try {
    require.resolve(`${name}/package.json`, { paths: [ROOT] })
    return true
  } catch {
    return false
  }
}

/** Every message in an error and its chain of `cause`s (the loader nests them). */
function messages(error: unknown): string[] {
  const found: string[] = []
  for (let at = error, depth = 0; at !== null && at !== undefined && depth < 64; depth++) {
    found.push(at instanceof Error ? at.message : String(at))
    at = at instanceof Error ? at.cause : undefined
  }
  return found
}

/**
 * The error `requireNative()` throws when the binding did not load: a missing runtime permission
 * (Deno's `Requires env access ..., run again with the --allow-env flag`; Node's permission model
 * without `--allow-addons`), a missing platform package, or else the generic
 * `ERR_EPOLL_UNSUPPORTED_PLATFORM`. `loadError` becomes its `cause`.
 */
export function explainLoadFailure(platform: string, loadError: unknown): Error & { code: string } {
  if (platform !== 'linux') return unsupportedPlatform(platform, loadError)
  const chain = messages(loadError)
  const denied = chain.map((message) => /Requires (\w+) access.*--allow-(\w+)/s.exec(message)).find((match) => match !== null)
  if (denied) return runtimePermissionDenied(denied[0].split(',')[0], `--allow-${denied[2]}`, loadError)
  if (chain.some((message) => message.includes('loading addons is disabled'))) return nodeAddonsDisabled(loadError)

  const { name, version } = ownPackage()
  const libc = libcFamily()
  const target = platformName(process.arch, libc)
  const binaryFile = `${name}.${target}.node`
  if (!existsSync(join(ROOT, binaryFile)) && !resolvable(`${name}-${target}`)) {
    const published = PUBLISHED_PLATFORMS.includes(target)
    return binaryMissing({ packageName: `${name}-${target}`, version, arch: process.arch, libc, published }, loadError)
  }
  return unsupportedPlatform(platform, loadError)
}
