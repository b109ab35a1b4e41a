import { spawn, type SpawnOptions } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

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
