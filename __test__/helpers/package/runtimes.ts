import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { ROOT } from '../child.js'

const BIN = join(ROOT, 'runtimes', 'node_modules')

/** The other runtimes installed by `npm ci` (runtimes/package.json), as commands that run a CJS file. */
export const RUNTIMES: Record<string, { command: string; args: string[]; expectedWatcher: 'libuv' | 'thread' }> = {
  'node 20': { command: process.execPath, args: [], expectedWatcher: 'libuv' },
  'node 22': { command: join(BIN, 'node22', 'bin', 'node'), args: [], expectedWatcher: 'libuv' },
  'node 24': { command: join(BIN, 'node24', 'bin', 'node'), args: [], expectedWatcher: 'libuv' },
  bun: { command: join(BIN, '.bin', 'bun'), args: [], expectedWatcher: 'thread' },
  deno: { command: join(BIN, '.bin', 'deno'), args: ['run', '-A'], expectedWatcher: 'thread' },
}

export function runtimeInstalled(name: string): boolean {
  return existsSync(RUNTIMES[name].command)
}

export function runIn(name: string, script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const runtime = RUNTIMES[name]
  const result = spawnSync(runtime.command, [...runtime.args, script, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1', ...env },
  })
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr }
}
