/**
 * Builds what the benchmarks need, each step independent so that one failure (say, the npm `epoll`
 * package not compiling) only removes its contender from the table, with the reason.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { runBuild } from './proc'

export const ROOT = join(__dirname, '..', '..')
export const BENCH = join(ROOT, 'bench')
export const BUILD_DIR = join(BENCH, '.build')
export const DEPS_DIR = join(BENCH, '.deps')
export const LOADGEN = join(ROOT, 'target', 'release', 'loadgen')
export const NPM_EPOLL_VERSION = '4.0.2'
export const NPM_EPOLL_DIR = join(DEPS_DIR, 'node_modules', 'epoll')

/** The Node install this script runs under: it has `include/node`, so node-gyp needs no download. */
const NODE_PREFIX = dirname(dirname(process.execPath))

export interface BuildResult {
  /** Why a part could not be built, by part name ('npm-epoll', 'package', ...). */
  failures: Map<string, string>
}

const C_PROGRAMS = ['servers/echo.c', 'micro/dispatch.c', 'micro/scaling.c', 'micro/calls.c']
/** C programs that link liburing (the io_uring ceiling); their headers come from liburing-dev. */
const URING_PROGRAMS = ['servers/echo-uring.c']

/** Path of a C program's binary, e.g. `cBinary('servers/echo.c')`. */
export function cBinary(source: string): string {
  return join(BUILD_DIR, source.replace(/\//g, '-').replace(/\.c$/, ''))
}

export async function buildAll(log: (line: string) => void): Promise<BuildResult> {
  const failures = new Map<string, string>()
  const step = async (name: string, what: string, work: () => Promise<unknown>) => {
    log(`build: ${what}`)
    try {
      await work()
    } catch (error) {
      failures.set(name, (error as Error).message)
      log(`build: ${what} FAILED: ${(error as Error).message.split('\n')[0]}`)
    }
  }
  mkdirSync(BUILD_DIR, { recursive: true })
  await step('loadgen', 'load generator (cargo build --release -p loadgen)', () =>
    runBuild(['cargo', 'build', '--release', '-p', 'loadgen'], { cwd: ROOT }),
  )
  for (const source of C_PROGRAMS) {
    if (!existsSync(join(BENCH, source))) continue
    await step(source, `${source} (gcc -O2)`, () =>
      runBuild(['gcc', '-O2', '-Wall', '-o', cBinary(source), join(BENCH, source)]),
    )
  }
  if (!existsSync('/usr/include/liburing.h')) {
    await step('liburing', 'liburing-dev (apt-get install -y liburing-dev)', () =>
      runBuild(['apt-get', 'install', '-y', '--no-install-recommends', 'liburing-dev'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }),
    )
  }
  for (const source of URING_PROGRAMS) {
    await step(source, `${source} (gcc -O2 -luring)`, () =>
      runBuild(['gcc', '-O2', '-Wall', '-o', cBinary(source), join(BENCH, source), '-luring']),
    )
  }
  if (!existsSync(join(ROOT, 'binding.js')) || !existsSync(join(ROOT, 'index.js'))) {
    await step('package', 'epoll-napi (npm run build)', () => runBuild(['npm', 'run', 'build'], { cwd: ROOT }))
  }
  await step('npm-epoll', `npm epoll@${NPM_EPOLL_VERSION} into bench/.deps (node-gyp --nodedir=${NODE_PREFIX})`, buildNpmEpoll)
  return { failures }
}

/**
 * Installs the npm `epoll` package (C++ over nan) into its own prefix and compiles it with the
 * node-gyp that ships with npm, against this Node's own headers: no download, no root install.
 */
async function buildNpmEpoll(): Promise<void> {
  if (existsSync(join(NPM_EPOLL_DIR, 'build', 'Release', 'epoll.node'))) return
  if (!existsSync(join(NODE_PREFIX, 'include', 'node', 'node.h'))) {
    throw new Error(`no Node headers under ${NODE_PREFIX}/include/node`)
  }
  mkdirSync(DEPS_DIR, { recursive: true })
  await runBuild(
    ['npm', 'install', '--prefix', DEPS_DIR, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', `epoll@${NPM_EPOLL_VERSION}`],
    { cwd: ROOT },
  )
  const nodeGyp = join(NODE_PREFIX, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
  await runBuild([process.execPath, nodeGyp, 'rebuild', `--nodedir=${NODE_PREFIX}`], { cwd: NPM_EPOLL_DIR })
  if (!existsSync(join(NPM_EPOLL_DIR, 'build', 'Release', 'epoll.node'))) throw new Error('node-gyp produced no epoll.node')
}
