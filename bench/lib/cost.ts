/**
 * What a server spends over a measured window, beside its speed: system calls by name (`perf stat`
 * on the syscall tracepoints, attached to the server's pid: every thread), CPU time (`task-clock`)
 * and context switches. Involuntary context switches (`nonvoluntary_ctxt_switches` summed over the
 * server's threads in /proc) are the sign that other load took the server's core during the window;
 * a server that sleeps in its wait between requests switches voluntarily and is not disturbed.
 */
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The system calls counted by name; everything else is counted in `other` (from raw_syscalls). */
export const COUNTED_SYSCALLS = [
  'read', 'write', 'readv', 'writev', 'recvfrom', 'sendto', 'recvmsg', 'sendmsg', 'recvmmsg', 'sendmmsg',
  'accept4', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'epoll_ctl', 'io_uring_enter', 'futex',
]

export interface Cost {
  /** Counts by system call name over the window, plus `other` (every call not named). */
  syscalls: Record<string, number>
  /** Every system call entry over the window. */
  totalSyscalls: number
  taskClockMs: number
  contextSwitches: number
  /** Context switches the server did not ask for (preempted), over the window. */
  involuntarySwitches: number
  /** The window perf counted in (from enable to disable), seconds. */
  elapsedS: number
}

let perfWorks: boolean | undefined
let perfWhy = ''

/** Whether `perf stat` can count syscall tracepoints here; the reason when it cannot. */
export async function perfAvailable(): Promise<{ ok: boolean; why: string }> {
  if (perfWorks === undefined) {
    try {
      await perfStat(['-e', 'raw_syscalls:sys_enter', '--', 'true'], 10_000)
      perfWorks = true
    } catch (error) {
      perfWorks = false
      perfWhy = (error as Error).message.split('\n')[0]
    }
  }
  return { ok: perfWorks, why: perfWhy }
}

/** Tracepoints that exist on this kernel (a name it lacks would make perf refuse the whole list). */
function syscallEvents(): string[] {
  const roots = ['/sys/kernel/tracing/events/syscalls', '/sys/kernel/debug/tracing/events/syscalls']
  const root = roots.find((r) => existsSync(r))
  return COUNTED_SYSCALLS.filter((name) => !root || existsSync(`${root}/sys_enter_${name}`)).map((n) => `syscalls:sys_enter_${n}`)
}

function involuntary(pid: number): number {
  let sum = 0
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        const match = /nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8'))
        if (match) sum += Number(match[1])
      } catch {
        // the thread ended between readdir and read
      }
    }
  } catch {
    return NaN
  }
  return sum
}

/** Runs `perf stat -x,` on a command and returns its counter lines by event name. */
function perfStat(args: string[], timeoutMs: number): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn('perf', ['stat', '-x', ',', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (chunk) => (err += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      const counts = parseCounts(err)
      if (code !== 0 || counts.size === 0) reject(new Error(`perf stat ${args.join(' ')}: exit ${code}\n${err.trim()}`))
      else resolve(counts)
    })
  })
}

/**
 * A perf stat attached to a server, counting only between `enable()` and `disable()`: the bench
 * enables it when the load generator says its measured window starts ("window start" on stderr) and
 * disables it at "window end", so counts and round trips cover the same time.
 */
export class CostMeter {
  private enabledAt = 0n
  private disabledAt = 0n
  private beforeInvoluntary = NaN
  private afterInvoluntary = NaN

  private constructor(
    private readonly pid: number,
    private readonly perf: ReturnType<typeof spawn>,
    private readonly done: Promise<Map<string, number>>,
    private readonly control: number,
    private readonly ack: number,
    private readonly dir: string,
  ) {}

  /** Resolves once perf has attached to every thread of `pid` (it says "Events disabled"). */
  static async start(pid: number): Promise<CostMeter> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-cost-'))
    const [ctl, ack] = [join(dir, 'ctl'), join(dir, 'ack')]
    execFileSync('mkfifo', [ctl, ack])
    // Opened read-write: never blocks on a fifo, and keeps perf's own opens from blocking.
    const control = openSync(ctl, 'r+')
    const ackFd = openSync(ack, 'r+')
    const events = ['raw_syscalls:sys_enter', ...syscallEvents(), 'task-clock', 'context-switches']
    const args = ['stat', '-x', ',', '-D', '-1', '--control', `fifo:${ctl},${ack}`, '-e', events.join(','), '-p', String(pid)]
    const perf = spawn('perf', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    let signalReady: () => void = () => undefined
    const ready = new Promise<void>((resolve) => (signalReady = resolve))
    perf.stderr!.on('data', (chunk) => {
      err += chunk
      if (err.includes('Events disabled')) signalReady()
    })
    const done = new Promise<Map<string, number>>((resolve, reject) => {
      perf.on('error', reject)
      perf.on('close', (code, signal) => {
        const counts = parseCounts(err)
        if (counts.size === 0) reject(new Error(`perf stat -p ${pid}: ${signal ?? code}\n${err.trim()}`))
        else resolve(counts)
      })
    })
    done.catch(() => undefined) // observed in finish()
    const meter = new CostMeter(pid, perf, done, control, ackFd, dir)
    // Not ready in 10 s, or perf exited: finish() reports why.
    await Promise.race([ready, done.then(() => undefined, () => undefined), new Promise((r) => setTimeout(r, 10_000))])
    return meter
  }

  enable(): void {
    this.beforeInvoluntary = involuntary(this.pid)
    writeSync(this.control, 'enable\n')
    this.enabledAt = process.hrtime.bigint()
  }

  disable(): void {
    if (this.enabledAt === 0n || this.disabledAt !== 0n) return
    writeSync(this.control, 'disable\n')
    this.disabledAt = process.hrtime.bigint()
    this.afterInvoluntary = involuntary(this.pid)
  }

  /** Stops perf and returns what it counted while enabled (rejects if it never was). */
  async finish(): Promise<Cost> {
    this.disable()
    const timer = setTimeout(() => this.perf.kill('SIGKILL'), 10_000)
    this.perf.kill('SIGINT')
    try {
      const counts = await this.done
      if (this.enabledAt === 0n) throw new Error('the load generator never reported its window')
      return toCost(counts, Number(this.disabledAt - this.enabledAt) / 1e9, this.afterInvoluntary - this.beforeInvoluntary)
    } finally {
      clearTimeout(timer)
      closeSync(this.control)
      closeSync(this.ack)
      rmSync(this.dir, { recursive: true, force: true })
    }
  }

  /** Routes the load generator's stderr lines: enables at "window start", disables at "window end". */
  onLine = (line: string): void => {
    if (line === 'window start') this.enable()
    else if (line === 'window end') this.disable()
  }
}

function parseCounts(perfStderr: string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const line of perfStderr.split('\n')) {
    const fields = line.split(',')
    if (fields.length < 3) continue
    const value = Number(fields[0])
    if (fields[0] !== '' && Number.isFinite(value)) counts.set(fields[2], value)
  }
  return counts
}

function toCost(counts: Map<string, number>, elapsedS: number, involuntarySwitches: number): Cost {
  const syscalls: Record<string, number> = {}
  let named = 0
  for (const [event, value] of counts) {
    if (!event.startsWith('syscalls:sys_enter_') || value === 0) continue
    syscalls[event.slice('syscalls:sys_enter_'.length)] = value
    named += value
  }
  const totalSyscalls = counts.get('raw_syscalls:sys_enter') ?? named
  if (totalSyscalls > named) syscalls.other = totalSyscalls - named
  return {
    syscalls,
    totalSyscalls,
    taskClockMs: counts.get('task-clock') ?? NaN,
    contextSwitches: counts.get('context-switches') ?? NaN,
    involuntarySwitches,
    elapsedS,
  }
}

/** Per-operation numbers from a window's cost and the operations per second measured over it. */
export interface PerOp {
  syscalls: Record<string, number>
  totalSyscalls: number
  cpuUs: number
  switches: number
  involuntary: number
}

export function perOperation(cost: Cost, opsPerS: number): PerOp {
  const ops = opsPerS * cost.elapsedS
  const syscalls: Record<string, number> = {}
  for (const [name, n] of Object.entries(cost.syscalls)) syscalls[name] = n / ops
  return {
    syscalls,
    totalSyscalls: cost.totalSyscalls / ops,
    cpuUs: (cost.taskClockMs * 1000) / ops,
    switches: cost.contextSwitches / ops,
    involuntary: cost.involuntarySwitches / ops,
  }
}

/** "2.05 (read 1.00, write 1.00, epoll_wait 0.05)": the total and every name above 0.01 per op. */
export function describeSyscalls(per: PerOp): string {
  const parts = Object.entries(per.syscalls)
    .filter(([, n]) => n >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n.toFixed(2)}`)
  return `${per.totalSyscalls.toFixed(3)}${parts.length ? ` (${parts.join(', ')})` : ''}`
}
