import { execFileSync, spawnSync } from 'node:child_process'
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

import { ROOT } from '../child.js'

/** A fresh folder where the packed package and its x86_64 gnu binary were installed like a user would. */
export interface PackedConsumer {
  /** The temporary folder holding the tarballs and `dir`; remove it when done. */
  work: string
  dir: string
  /** Paths inside the main tarball, as `npm pack` listed them. */
  mainFiles: string[]
  install: { status: number | null; stdout: string; stderr: string }
  /** The environment every command in `dir` runs with: no Rust toolchain on PATH, no npm_* variables. */
  env: NodeJS.ProcessEnv
}

export const PLATFORM = 'linux-x64-gnu'
const FIXTURES = join(ROOT, '__test__', 'fixtures', 'consumer')

/** Names of the Rust toolchain's commands (rustup's and Debian's, e.g. `rustc-web`, `cargo-clippy`). */
const RUST_TOOL = /^(cargo|rustc|rustdoc|rustup|rustfmt|clippy-driver)([-.].*)?$|^rust-/

/**
 * PATH with the Rust toolchain hidden: a folder holding `cargo` or `rustc` is replaced by a folder of
 * symlinks to everything else in it. Dropping the folder would be simpler, but Debian puts its
 * `rustc`/`cargo` in /usr/bin beside `node`, `npm` and `tar`, which the install still needs.
 */
function pathWithoutRust(shims: string, path = process.env.PATH ?? ''): string {
  const seen = new Map<string, string>()
  return path
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => {
      if (!existsSync(join(dir, 'cargo')) && !existsSync(join(dir, 'rustc'))) return dir
      const known = seen.get(dir)
      if (known) return known
      const shim = join(shims, `path-${seen.size}`)
      mkdirSync(shim, { recursive: true })
      for (const name of readdirSync(dir)) if (!RUST_TOOL.test(name)) symlinkSync(join(dir, name), join(shim, name))
      seen.set(dir, shim)
      return shim
    })
    .join(delimiter)
}

/** The environment of a user's shell: `npm test`'s own npm_config_* variables would configure the inner npm. */
function userEnv(work: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value
  env.PATH = pathWithoutRust(mkdtempSync(join(work, 'bin-')))
  return env
}

function npmPack(cwd: string, destination: string): { filename: string; files: string[] } {
  // --ignore-scripts: `prepare` would rebuild everything; the built files are what is packed.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], {
    cwd,
    encoding: 'utf8',
    env: userEnv(destination),
  })
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[]
  return { filename: join(destination, info.filename), files: info.files.map((file) => file.path) }
}

/**
 * Makes the manifest the release workflow publishes: the `optionalDependencies` that `napi prepublish`
 * writes (one per platform package, at the root's version), and no `prepare`/`version` scripts
 * (`npm pkg delete` in release.yml), so that the install below sees what users get.
 */
function withReleaseOptionalDependencies(tarball: string, work: string): string {
  const stage = join(work, 'main-stage')
  mkdirSync(stage)
  execFileSync('tar', ['-xzf', tarball, '-C', stage])
  const manifestPath = join(stage, 'package', 'package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  manifest.optionalDependencies = Object.fromEntries(
    readdirSync(join(ROOT, 'npm')).map((dir) => [`${manifest.name}-${dir}`, manifest.version]),
  )
  delete manifest.scripts.prepare
  delete manifest.scripts.version
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
  const released = join(work, 'release', 'epoll-napi.tgz')
  mkdirSync(join(work, 'release'))
  execFileSync('tar', ['-czf', released, '-C', stage, 'package'])
  return released
}

/** The platform package as `napi artifacts` fills it: its npm/ folder plus the built binary. */
function packPlatformPackage(work: string): string {
  const stage = join(work, PLATFORM)
  cpSync(join(ROOT, 'npm', PLATFORM), stage, { recursive: true })
  const manifest = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8'))
  copyFileSync(join(ROOT, manifest.main), join(stage, manifest.main))
  return npmPack(stage, work).filename
}

/** How to install: by default both tarballs, as npm does on a matching machine. */
export interface ConsumerOptions {
  /**
   * Install the main tarball alone with `--omit=optional` (a common Docker setting): no platform
   * package, so the binary is missing.
   */
  omitOptional?: boolean
}

/** Packs once, installs once (offline, without Rust), and copies the consumer fixtures beside. */
export function preparePackedConsumer(options: ConsumerOptions = {}): PackedConsumer {
  const work = mkdtempSync(join(tmpdir(), 'epoll-napi-consumer-'))
  const main = npmPack(ROOT, work)
  const mainTarball = withReleaseOptionalDependencies(main.filename, work)
  const tarballs = options.omitOptional ? [mainTarball] : [mainTarball, packPlatformPackage(work)]
  const omit = options.omitOptional ? ['--omit=optional'] : []

  const dir = join(work, 'consumer')
  cpSync(FIXTURES, dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'epoll-napi-consumer', private: true }, null, 2)}\n`)
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        files: ['consumer.mts', 'consumer.cts'],
      },
      null,
      2,
    ),
  )
  const env = userEnv(work)
  const result = spawnSync(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--loglevel', 'warn', ...omit, ...tarballs],
    { cwd: dir, encoding: 'utf8', env, timeout: 120_000 },
  )
  return { work, dir, mainFiles: main.files, install: { status: result.status, stdout: result.stdout, stderr: result.stderr }, env }
}
