import { spawn, spawnSync, type SpawnOptions } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'

/** How many fds this process has open now. */
export const openFdCount = () => readdirSync('/proc/self/fd').length

/** Whether `fd` of this process is close-on-exec (`O_CLOEXEC` in its fdinfo flags). */
export function isCloseOnExec(fd: number, pid: number | 'self' = 'self'): boolean {
  const flags = parseInt(/flags:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))![1], 8)
  return (flags & 0o2000000) !== 0
}

/** Starts a process and collects its output; `done` resolves with the exit status and everything printed. */
export function start(command: string, args: string[], options: SpawnOptions = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  )
  return { child, done, stdout: () => stdout, stderr: () => stderr }
}

/** Resolves once `predicate()` holds, checking every few ms; rejects after `timeout` ms. */
export async function until(predicate: () => boolean, timeout = 10_000): Promise<void> {
  const end = Date.now() + timeout
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Whether this process is root (namespaces, TUN devices, capabilities can be used). */
export const isRoot = () => process.getuid?.() === 0

/** Why no TUN device can be made here (root and /dev/net/tun are needed), or undefined where one can. */
export function tunUnavailable(): string | undefined {
  if (!isRoot()) return `needs root and /dev/net/tun (uid ${process.getuid?.()})`
  if (!existsSync('/dev/net/tun')) return 'needs root and /dev/net/tun (/dev/net/tun absent)'
  return undefined
}

/**
 * Why no private network namespace can be made here (`unshare --net`, root only), or undefined where one
 * can. Runs a child: call it once, at a spec's top level.
 */
export function netnsUnavailable(): string | undefined {
  const probe = spawnSync('unshare', ['--net', 'true'], { encoding: 'utf8', timeout: 10_000 })
  if (probe.status === 0) return undefined
  return `no network namespace here (${(probe.stderr || String(probe.error)).trim().split('\n')[0]})`
}
