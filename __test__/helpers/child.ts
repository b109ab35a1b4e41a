import { spawnSync, type StdioOptions } from 'node:child_process'
import { join } from 'node:path'

import { scaled } from './emulation.js'

export const ROOT = join(__dirname, '..', '..')

/**
 * Runs a CommonJS snippet in a fresh Node process with `epoll` bound to the built package; killed after
 * `timeout` ms (30 s, {@link scaled} under an emulator).
 */
export function runNode(
  source: string,
  options: { args?: string[]; timeout?: number; loadPackage?: boolean; stdio?: StdioOptions } = {},
) {
  const prelude = options.loadPackage === false ? '' : `const epoll = require(${JSON.stringify(ROOT)});\n`
  const result = spawnSync(process.execPath, [...(options.args ?? []), '-e', prelude + source], {
    encoding: 'utf8',
    timeout: options.timeout ?? scaled(30_000),
    stdio: options.stdio,
  })
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr }
}

/**
 * Runs a typed fixture, `__test__/fixtures/<name>.ts`, in a fresh Node process (through tsx) with
 * `args` after it; `nodeArgs` go before it (`--expose-gc`, ...). Killed like {@link runNode}.
 */
export function runFixture(name: string, args: string[] = [], options: { nodeArgs?: string[]; timeout?: number } = {}) {
  const script = join(ROOT, '__test__', 'fixtures', `${name}.ts`)
  const result = spawnSync(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: options.timeout ?? scaled(30_000),
  })
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr }
}
