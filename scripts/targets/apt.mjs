// Installs the Debian packages the cross builds and the QEMU runs need, once: quiet when everything is
// there, retried when a mirror is mid-sync, and a clear message naming what is missing otherwise.
//
// Seen here: bookworm-security's armhf index failed for hours with a size mismatch ("Mirror sync in
// progress?"). apt then keeps the whole suite's old lists, so the amd64 side of bookworm-security (where
// rustc-web 1.96 lives) stayed at an older snapshot. The way through: install the foreign packages from the
// lists apt has, then update again without the failing architecture.
import { spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'

import { Unavailable } from './unavailable.mjs'

const ATTEMPTS = 3

const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n']

/** Runs a root command (through `sudo -n` when not root); output goes to the terminal, stderr is also returned. */
function asRoot(args) {
  const [command, ...rest] = [...sudo, ...args]
  const result = spawnSync(command, rest, {
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
  if (result.stderr) process.stderr.write(result.stderr)
  return { ok: result.status === 0 && !/^(E|Err):/m.test(result.stderr ?? ''), stderr: result.stderr ?? '' }
}

/** The installed version of a package (`name` or `name:arch`), or undefined. */
function installedVersion(name) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Status} ${Version}', name], { encoding: 'utf8' })
  const [status, version] = result.stdout.trim().split(' ')
  return status === 'installed' ? version : undefined
}

/** Whether a package is installed at `atLeast` or newer (any version when `atLeast` is not given). */
function satisfied(name, atLeast) {
  const version = installedVersion(name)
  if (version === undefined) return false
  return !atLeast || spawnSync('dpkg', ['--compare-versions', version, 'ge', atLeast]).status === 0
}

/** `apt-get update` with retries; returns the architectures whose indexes still failed (empty: all fine). */
async function update(extra = []) {
  let failing = []
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const { ok, stderr } = asRoot(['apt-get', 'update', '-qq', ...extra])
    if (ok) return []
    failing = [...new Set([...stderr.matchAll(/binary-([a-z0-9]+)\/Packages/g)].map((match) => match[1]))]
    if (attempt < ATTEMPTS) {
      console.error(`targets: apt-get update failed (attempt ${attempt} of ${ATTEMPTS}); the mirror may be syncing, retrying in ${attempt * 10} s`)
      await sleep(attempt * 10_000)
    }
  }
  console.error(`targets: apt-get update kept failing${failing.length ? ` for the ${failing.join(', ')} indexes` : ''}`)
  return failing.length ? failing : ['?']
}

async function install(names) {
  if (names.length === 0) return
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (asRoot(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...names]).ok) return
    if (attempt < ATTEMPTS) await sleep(attempt * 10_000)
  }
  throw new Unavailable(`targets: apt-get install ${names.join(' ')} failed ${ATTEMPTS} times (see apt's messages above)`)
}

/**
 * Makes sure `packages` (`name` or `name:arch`) are installed, adding the foreign dpkg architectures they
 * name; `atLeast` maps a package to the oldest acceptable version (it is upgraded when older).
 * Needs root (or passwordless sudo) only when something is missing.
 */
export async function ensureApt(packages, atLeast = {}) {
  const todo = packages.filter((name) => !satisfied(name, atLeast[name]))
  if (todo.length === 0) return
  if (spawnSync('apt-get', ['--version']).status !== 0) {
    throw new Error(`targets: these Debian packages are needed and there is no apt-get here: ${todo.join(' ')}`)
  }
  const native = spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).stdout.trim()
  const foreign = () => spawnSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)
  for (const arch of new Set(todo.map((name) => name.split(':')[1]).filter(Boolean))) {
    if (arch === native || foreign().includes(arch)) continue
    console.error(`targets: adding the dpkg architecture ${arch}`)
    if (!asRoot(['dpkg', '--add-architecture', arch]).ok) throw new Error(`targets: dpkg --add-architecture ${arch} failed (root needed)`)
  }
  console.error(`targets: installing ${todo.join(' ')}`)
  const failing = await update()
  if (failing.length === 0 || failing.includes('?')) {
    await install(todo)
  } else {
    // The packages of the failing architectures come from the suites that did update (their lists are
    // current); then a second update without those architectures refreshes the suite that failed.
    const first = todo.filter((name) => failing.includes(name.split(':')[1]))
    await install(first)
    const keep = [native, ...foreign()].filter((arch) => !failing.includes(arch))
    console.error(`targets: updating again for ${keep.join(', ')} only`)
    await update(keep.flatMap((arch) => ['-o', `APT::Architectures::=${arch}`]))
    await install(todo.filter((name) => !first.includes(name)))
  }
  const still = packages.filter((name) => !satisfied(name, atLeast[name]))
  if (still.length) {
    const wanted = still.map((name) => (atLeast[name] ? `${name} >= ${atLeast[name]}` : name))
    throw new Unavailable(`targets: still missing after apt-get: ${wanted.join(', ')} (is the mirror's bookworm-security reachable?)`)
  }
}
