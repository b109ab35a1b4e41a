import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { ROOT } from '../child.js'
import { EMULATOR, scaled } from '../emulation.js'

const BIN = join(ROOT, 'runtimes', 'node_modules')

type Runtime = { command: string; args: string[]; expectedWatcher: 'libuv' | 'thread' }

/** The Node running the suite, named by its major version (`node 20`). */
export const THIS_NODE = `node ${process.versions.node.split('.')[0]}`

/**
 * The runtimes the runtime specs run in, as commands that run a CJS file: the Node running the suite and
 * those installed by `npm ci` (runtimes/package.json). Under an emulator (`npm run test:targets`) only the
 * first: the others are for this machine's CPU, not the target's, and the target's own Bun and Deno get
 * their own rows there.
 */
export const RUNTIMES: Record<string, Runtime> = {
  [THIS_NODE]: { command: process.execPath, args: [], expectedWatcher: 'libuv' },
  ...(EMULATOR
    ? {}
    : {
        'node 22': { command: join(BIN, 'node22', 'bin', 'node'), args: [], expectedWatcher: 'libuv' },
        'node 24': { command: join(BIN, 'node24', 'bin', 'node'), args: [], expectedWatcher: 'libuv' },
        bun: { command: join(BIN, '.bin', 'bun'), args: [], expectedWatcher: 'thread' },
        deno: { command: join(BIN, '.bin', 'deno'), args: ['run', '-A'], expectedWatcher: 'thread' },
      }),
}

export function runtimeInstalled(name: string): boolean {
  return existsSync(RUNTIMES[name].command)
}

export function runIn(name: string, script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const runtime = RUNTIMES[name]
  const result = spawnSync(runtime.command, [...runtime.args, script, ...args], {
    encoding: 'utf8',
    timeout: scaled(60_000),
    env: { ...process.env, NO_COLOR: '1', ...env },
  })
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr }
}
