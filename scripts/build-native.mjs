// Builds the native addon for this machine: `epoll-napi.<platform>.node`, `binding.js`, `binding.d.ts`.
//
// On x86_64 glibc Linux (the machine `npm ci` and CI run on) the addon is linked against the glibc 2.17
// sysroot of napi-rs's cross toolchain (`napi build --use-napi-cross`), so that the binary the tests run
// is the one we publish, and it loads on old distributions as well as new ones
// (`__test__/package/glibc.spec.ts` checks the symbol versions it needs).
//
// The cli would download the toolchain during the build (`npm pack` from the registry, into
// `~/.napi-rs/cross-toolchain/<version>/<triple>`). Instead it comes from the devDependency
// `@napi-rs/cross-toolchain-x64-target-x86_64`, so the build needs nothing that `npm ci` did not install:
// this script unpacks that archive where the cli looks first. The version pair is pinned in package.json
// (`overrides`: the cli asks for toolchain 1.0.5, the registry we use serves the x86_64 one as 1.0.0).
//
// Elsewhere (musl, aarch64, ...) it is a plain host build. Extra arguments go to `napi build`; with a
// `--target` among them the caller chooses the toolchain (see .github/workflows/build.yml).
//
// napi-rs cannot see the hand-made calls (plain Node-API callbacks registered by the binding's
// `module_exports` hook), so after the build this script appends their declarations to the generated
// `binding.d.ts`, from the one table that lists them with their TypeScript signatures
// (crates/epoll-napi/src/calls.rs, also returned at run time by `handMadeCalls()`). It reads the
// source rather than loading the binary, so that cross-target builds, whose binary cannot load here,
// declare them too.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const TRIPLE = 'x86_64-unknown-linux-gnu'
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CALLS = join(ROOT, 'crates', 'epoll-napi', 'src', 'calls.rs')
const DTS = join(ROOT, 'binding.d.ts')
/** The first line of the appended block: what comes after it is replaced on every build. */
const MARKER = '// Hand-made calls (crates/epoll-napi/src/calls.rs), appended by scripts/build-native.mjs.'
const require = createRequire(import.meta.url)

const isGlibc = () => Boolean(process.report?.getReport().header.glibcVersionRuntime)
const extraArgs = process.argv.slice(2)
// A build for another target (`-- --target aarch64-unknown-linux-gnu.2.17 -x` in the release workflow)
// brings its own toolchain flags.
const namesTarget = extraArgs.some((arg) => arg === '--target' || arg === '-t' || arg.startsWith('--target='))
const useSysroot = process.platform === 'linux' && process.arch === 'x64' && isGlibc() && !namesTarget

/** Unpacks the toolchain archive into the cli's cache unless a complete copy is there. */
function provideToolchain() {
  const toolchainModule = require.resolve('@napi-rs/cross-toolchain')
  const toolchain = require(toolchainModule)
  const dest = join(homedir(), '.napi-rs', 'cross-toolchain', toolchain.version, TRIPLE)
  // The archive's root holds a package.json: the cli takes its presence to mean "complete".
  if (existsSync(join(dest, 'package.json'))) return
  if (!toolchain.x64TargetX86_64) throw new Error('@napi-rs/cross-toolchain-x64-target-x86_64 is not installed: run npm ci')
  // The same unpackers the cli uses, resolved from the toolchain package that depends on them.
  const fromToolchain = createRequire(toolchainModule)
  const { xz } = fromToolchain('@napi-rs/lzma')
  const { Archive } = fromToolchain('@napi-rs/tar')
  console.error(`unpacking the glibc 2.17 toolchain into ${dest}`)
  // Unpack beside and rename, so that a build running at the same time never sees half a toolchain.
  const staging = `${dest}.${process.pid}.partial`
  mkdirSync(staging, { recursive: true })
  new Archive(xz.decompressSync(readFileSync(toolchain.x64TargetX86_64))).unpack(staging)
  rmSync(dest, { recursive: true, force: true }) // an empty or incomplete leftover, never a complete one
  try {
    renameSync(staging, dest)
  } catch (error) {
    // Another build finished first: its copy is as good as ours.
    rmSync(staging, { recursive: true, force: true })
    if (!existsSync(join(dest, 'package.json'))) throw error
  }
}

const args = [
  'build',
  '--platform',
  '--release',
  '--manifest-path',
  'crates/epoll-napi/Cargo.toml',
  '-o',
  '.',
  '--js',
  'binding.js',
  '--dts',
  'binding.d.ts',
  ...(useSysroot ? ['--use-napi-cross'] : []),
  ...extraArgs,
]
/**
 * The `[name, signature]` of every `call!` entry of the CALLS table. Fails when the count differs from
 * the table's declared length, so that a format the pattern misses cannot drop a declaration.
 */
function handMadeCalls() {
  const source = readFileSync(CALLS, 'utf8')
  const declared = /pub const CALLS: \[Call; (\d+)\]/.exec(source)
  if (!declared) throw new Error(`${CALLS}: no \`pub const CALLS: [Call; N]\` table`)
  const entry = /call!\(\s*"(\w+)",\s*[\w:]+,\s*"((?:[^"\\]|\\.)*)",?\s*\)/g
  const calls = [...source.matchAll(entry)].map((m) => [m[1], m[2]])
  if (calls.length !== Number(declared[1])) {
    throw new Error(`${CALLS}: read ${calls.length} call!(...) entries, the table declares ${declared[1]}`)
  }
  return calls
}

/** Appends (or replaces) the declarations of the hand-made calls at the end of binding.d.ts. */
function declareHandMadeCalls() {
  const generated = readFileSync(DTS, 'utf8')
  const at = generated.indexOf(MARKER)
  const base = (at === -1 ? generated : generated.slice(0, at)).trimEnd()
  const lines = handMadeCalls().map(([name, signature]) => `export declare function ${name}${signature}`)
  writeFileSync(DTS, `${base}\n\n${MARKER}\n// napi-rs cannot see them: they are plain Node-API callbacks.\n${lines.join('\n')}\n`)
}

if (useSysroot) provideToolchain()
// `napi` is on PATH when this runs as an npm script (node_modules/.bin).
const result = spawnSync('napi', args, { stdio: 'inherit' })
if (result.error) throw result.error
if (result.status === 0) declareHandMadeCalls()
process.exit(result.status ?? 1)
