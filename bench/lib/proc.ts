/**
 * Child processes for the benchmarks: servers that follow the echo-server contract (print
 * `listening <port>`, stop on SIGTERM) and one-shot programs whose stdout is JSON. Everything has a
 * deadline: a stuck child is killed, never waited for forever.
 */
import { spawn, type ChildProcess } from 'node:child_process'

export interface Server {
  port: number
  pid: number
  child: ChildProcess
  /** stderr so far, for error messages. */
  stderr: () => string
}

/** Starts `argv` with port 0 appended and resolves once it prints `listening <port>`. */
export function startServer(argv: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<Server> {
  const [command, ...args] = argv
  const child = spawn(command, [...args, '0'], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr!.on('data', (chunk) => {
    if (stderr.length < 8192) stderr += chunk
  })
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${argv.join(' ')}: ${why}${stderr ? `\n${stderr.trim()}` : ''}`))
    }
    const timer = setTimeout(() => fail('no `listening <port>` line in time'), options.timeoutMs ?? 20_000)
    child.on('error', (error) => fail(error.message))
    child.on('exit', (code, signal) => fail(`exited early (${signal ?? code})`))
    child.stdout!.on('data', (chunk) => {
      stdout += chunk
      const match = /^listening (\d+)$/m.exec(stdout)
      if (!match) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      child.stdout!.removeAllListeners('data')
      child.stdout!.resume()
      resolve({ port: Number(match[1]), pid: child.pid!, child, stderr: () => stderr })
    })
  })
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Resolves with how it ended. */
export function stopServer(server: Server, graceMs = 3000): Promise<string> {
  const { child } = server
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve('already exited')
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve('killed (did not exit on SIGTERM)')
    }, graceMs)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve(signal ? `signal ${signal}` : `exit ${code}`)
    })
    child.kill('SIGTERM')
  })
}

/** Runs a program to completion within `timeoutMs` and parses the last line of its stdout as JSON. */
export function runJson<T>(
  argv: string[],
  options: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv; onStderrLine?: (line: string) => void },
): Promise<T> {
  const [command, ...args] = argv
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let partial = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => {
      if (stderr.length < 8192) stderr += chunk
      if (!options.onStderrLine) return
      const lines = (partial + chunk).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) options.onStderrLine(line)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const last = stdout.trim().split('\n').pop() ?? ''
      if (code === 0) {
        try {
          return resolve(JSON.parse(last) as T)
        } catch {
          // fall through to the error below
        }
      }
      const why = signal === 'SIGKILL' ? `timed out after ${options.timeoutMs} ms` : `exit ${signal ?? code}`
      reject(new Error(`${argv.join(' ')}: ${why}\n${stderr.trim() || last}`))
    })
  })
}

/** Runs a build command; rejects with its output when it fails. */
export function runBuild(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  const [command, ...args] = argv
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(output)
      else reject(new Error(`${argv.join(' ')} failed (${signal ?? code}):\n${output.trim().split('\n').slice(-15).join('\n')}`))
    })
  })
}
