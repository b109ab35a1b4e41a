/**
 * Echo ping-pong: every contender runs as its own process; the Rust load generator drives it with
 * 64-byte messages and checks every byte. Contenders are run back to back in each repetition (their
 * order rotates from one repetition to the next), so ratios to C are taken between neighbours in time.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { BENCH, LOADGEN, NPM_EPOLL_DIR, ROOT, cBinary } from './lib/build'
import { CostMeter, describeSyscalls, perOperation, type PerOp } from './lib/cost'
import { runJson, startServer, stopServer, type Server } from './lib/proc'

const RUNTIMES = join(ROOT, 'runtimes', 'node_modules', '.bin')
const NODE = process.execPath
const TS_NODE = [NODE, '--import', 'tsx']

export interface Contender {
  id: string
  label: string
  /** The name on the chart. */
  short: string
  /** The server's command line without the port, or why it cannot run here. */
  argv: () => string[] | { unavailable: string }
}

function needFile(path: string, argv: string[]): string[] | { unavailable: string } {
  return existsSync(path) ? argv : { unavailable: `${path.slice(ROOT.length + 1)} is missing` }
}

export const CONTENDERS: Contender[] = [
  { id: 'c', short: 'C epoll', label: 'C epoll (gcc -O2)', argv: () => needFile(cBinary('servers/echo.c'), [cBinary('servers/echo.c')]) },
  {
    id: 'c-uring',
    short: 'C io_uring',
    label: 'C io_uring (liburing, one submit_and_wait per turn)',
    argv: () => needFile(cBinary('servers/echo-uring.c'), [cBinary('servers/echo-uring.c')]),
  },
  ...ourContenders(ROOT, ''),
  {
    id: 'stream',
    short: 'epoll-napi streams',
    label: 'epoll-napi openStream + pipeline(stream, stream) (bench/servers/stream-echo.ts), io_uring engine',
    argv: () => [...TS_NODE, join(BENCH, 'servers', 'stream-echo.ts')],
  },
  {
    id: 'stream-epoll',
    short: 'epoll-napi streams (epoll)',
    label: 'the same stream server with EPOLL_NAPI_ENGINE=epoll (the engine where io_uring is missing)',
    argv: () => ['/usr/bin/env', 'EPOLL_NAPI_ENGINE=epoll', ...TS_NODE, join(BENCH, 'servers', 'stream-echo.ts')],
  },
  { id: 'python', short: 'Python select.epoll', label: 'Python select.epoll', argv: () => ['python3', join(BENCH, 'servers', 'echo.py')] },
  { id: 'node-net', short: 'node:net', label: 'node:net', argv: () => [NODE, join(BENCH, 'servers', 'node-net.mjs')] },
  {
    id: 'npm-epoll',
    short: 'npm epoll',
    label: 'npm epoll 4.0.2 + fs.readSync/writeSync',
    argv: () => {
      if (!existsSync(join(NPM_EPOLL_DIR, 'build', 'Release', 'epoll.node'))) return { unavailable: 'npm epoll did not build' }
      return [NODE, join(BENCH, 'servers', 'npm-epoll.js')]
    },
  },
  { id: 'bun', short: 'Bun.listen', label: 'Bun.listen (Bun 1.4.5)', argv: () => needFile(join(RUNTIMES, 'bun'), [join(RUNTIMES, 'bun'), join(BENCH, 'servers', 'bun-listen.ts')]) },
  {
    id: 'deno',
    short: 'Deno.listen',
    label: 'Deno.listen (Deno 2.9.6)',
    argv: () =>
      needFile(join(RUNTIMES, 'deno'), [join(RUNTIMES, 'deno'), 'run', '--allow-net', join(BENCH, 'servers', 'deno-listen.ts')]),
  },
]

/**
 * The epoll-napi servers of the checkout at `root`; `tag` ('@base') names the twins from another
 * checkout (`--baseline DIR`), so that before and after are measured interleaved in the same run.
 */
function ourContenders(root: string, tag: string): Contender[] {
  return [
    {
      id: `blocking${tag}`,
      short: `epoll-napi blocking${tag}`,
      label: `${tag ? `${tag} ` : ''}epoll-napi blocking (examples/echo-server.ts)`,
      argv: () => needFile(join(root, 'examples', 'echo-server.ts'), [...TS_NODE, join(root, 'examples', 'echo-server.ts')]),
    },
    {
      id: `handlers${tag}`,
      short: `epoll-napi handlers${tag}`,
      label: `${tag ? `${tag} ` : ''}epoll-napi handlers (examples/echo-server-handlers.ts)`,
      argv: () =>
        needFile(join(root, 'examples', 'echo-server-handlers.ts'), [...TS_NODE, join(root, 'examples', 'echo-server-handlers.ts')]),
    },
    {
      id: `plain-et${tag}`,
      short: `epoll-napi plain ET${tag}`,
      label: `${tag ? `${tag} ` : ''}epoll-napi handlers, plain drain-until-EAGAIN (bench/servers/handlers-plain.ts)`,
      argv: () => [...TS_NODE, join(join(root, 'bench'), 'servers', 'handlers-plain.ts')],
    },
    {
      id: `batch${tag}`,
      short: `epoll-napi batch${tag}`,
      label: `${tag ? `${tag} ` : ''}epoll-napi pollRead + writeSlots (examples/echo-server-batch.ts)`,
      argv: () => [...TS_NODE, join(root, 'examples', 'echo-server-batch.ts')],
    },
  ]
}

/** Adds the epoll-napi servers of another checkout (built, with its binary) as `<id>@base`. */
export function addBaseline(dir: string): void {
  CONTENDERS.splice(2 + 4, 0, ...ourContenders(dir, '@base'))
  // The other checkout's stream server, beside ours (before the io_uring engine, it ran on epoll).
  const stream = CONTENDERS.findIndex((c) => c.id === 'stream-epoll')
  CONTENDERS.splice(stream + 1, 0, {
    id: 'stream@base',
    short: 'epoll-napi streams@base',
    label: '@base epoll-napi openStream + pipeline(stream, stream)',
    argv: () => needFile(join(dir, 'bench', 'servers', 'stream-echo.ts'), [...TS_NODE, join(dir, 'bench', 'servers', 'stream-echo.ts')]),
  })
}

/** The contenders named by `--only` (a name also selects its `@base` twin), or all of them. */
export function selectContenders(only?: Set<string>): Contender[] {
  return only ? CONTENDERS.filter((c) => only.has(c.id) || only.has(c.id.replace(/@base$/, ''))) : CONTENDERS
}

export type Mode = 'spread' | 'same-core'

export interface Scenario {
  mode: Mode
  connections: number
}

export interface EchoSample {
  contender: string
  scenario: Scenario
  rep: number
  rtPerS?: number
  p50Us?: number
  p99Us?: number
  serverCpuUsPerRt?: number
  loadgenCpuFraction?: number
  errors?: number
  /** System calls, CPU (task-clock) and context switches per round trip over the window (perf stat). */
  cost?: PerOp
  /** Why the cost could not be measured (perf missing or refused). */
  costFailure?: string
  /** Why this run produced no numbers. */
  failure?: string
}

interface LoadgenJson {
  rt_per_s: number
  p50_us: number
  p99_us: number
  errors: number
  error_samples: string[]
  server_cpu_us_per_rt: number | null
  loadgen_cpu_fraction: number
}

export interface EchoOptions {
  reps: number
  warmupS: number
  durationS: number
  spreadConnections: number[]
  sameCoreConnections: number[]
  /**
   * Niceness of servers and load generator (`nice -n`), e.g. -10 on a machine shared with other
   * work: contenders keep the same priority among themselves, other load takes less of their core.
   */
  nice?: number
  only?: Set<string>
  /** Count system calls and CPU with perf stat beside the load generator (off: --no-perf). */
  perf: boolean
  log: (line: string) => void
}

export interface EchoRun {
  samples: EchoSample[]
  /** Contenders that could not run at all, with the reason. */
  unavailable: Map<string, string>
}

const PIN = ['taskset', '-c', '0']

/** `argv` pinned to core 0 for same-core scenarios, and reniced when asked to. */
function placed(argv: string[], mode: Mode, options: EchoOptions): string[] {
  const pinned = mode === 'same-core' ? [...PIN, ...argv] : argv
  return options.nice ? ['nice', '-n', String(options.nice), ...pinned] : pinned
}

export async function runEcho(options: EchoOptions): Promise<EchoRun> {
  const samples: EchoSample[] = []
  const unavailable = new Map<string, string>()
  const contenders = selectContenders(options.only)
  const runnable: Array<{ contender: Contender; argv: string[] }> = []
  for (const contender of contenders) {
    const argv = contender.argv()
    if (Array.isArray(argv)) runnable.push({ contender, argv })
    else unavailable.set(contender.id, argv.unavailable)
  }

  const modes: Array<[Mode, number[]]> = [
    ['spread', options.spreadConnections],
    ['same-core', options.sameCoreConnections],
  ]
  for (const [mode, connectionCounts] of modes) {
    if (connectionCounts.length === 0) continue
    const servers = new Map<string, Server>()
    for (const { contender, argv } of runnable) {
      try {
        servers.set(contender.id, await startServer(placed(argv, mode, options), { cwd: ROOT }))
      } catch (error) {
        unavailable.set(contender.id, `did not start (${mode}): ${(error as Error).message.split('\n').slice(0, 3).join(' ')}`)
        options.log(`echo: ${contender.id} did not start: ${(error as Error).message}`)
      }
    }
    try {
      const ids = [...servers.keys()]
      for (let rep = 0; rep < options.reps; rep++) {
        const order = ids.map((_, i) => ids[(i + rep) % ids.length])
        for (const connections of connectionCounts) {
          for (const id of order) {
            const sample = await measure(id, servers.get(id)!, { mode, connections }, rep, options)
            samples.push(sample)
            options.log(`echo: ${describeSample(sample)}`)
          }
        }
      }
    } finally {
      for (const [id, server] of servers) {
        const how = await stopServer(server)
        if (!how.startsWith('exit 0') && !how.startsWith('signal SIGTERM')) options.log(`echo: ${id} on SIGTERM: ${how}`)
      }
    }
  }
  return { samples, unavailable }
}

async function measure(id: string, server: Server, scenario: Scenario, rep: number, options: EchoOptions): Promise<EchoSample> {
  const base = { contender: id, scenario, rep }
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    return { ...base, failure: `server exited (${server.child.signalCode ?? server.child.exitCode}) ${server.stderr().trim().slice(-300)}` }
  }
  const argv = placed([
    LOADGEN,
    '--port', String(server.port),
    '--connections', String(scenario.connections),
    '--warmup', String(options.warmupS),
    '--duration', String(options.durationS),
    '--server-pid', String(server.pid),
  ], scenario.mode, options)
  try {
    // perf counts exactly over the load generator's measured window (it says when on stderr).
    const meter = options.perf ? await CostMeter.start(server.pid) : undefined
    let json: LoadgenJson
    try {
      json = await runJson<LoadgenJson>(argv, { timeoutMs: (options.warmupS + options.durationS) * 1000 + 30_000, onStderrLine: meter?.onLine })
    } catch (error) {
      await meter?.finish().catch(() => undefined)
      throw error
    }
    const cost = meter ? await meter.finish().catch((error: Error) => error) : undefined
    return {
      ...(cost instanceof Error ? { costFailure: cost.message.split('\n').slice(0, 2).join(' ') } : {}),
      ...(cost && !(cost instanceof Error) ? { cost: perOperation(cost, json.rt_per_s) } : {}),
      ...base,
      rtPerS: json.rt_per_s,
      p50Us: json.p50_us,
      p99Us: json.p99_us,
      serverCpuUsPerRt: json.server_cpu_us_per_rt ?? undefined,
      loadgenCpuFraction: json.loadgen_cpu_fraction,
      errors: json.errors,
      ...(json.errors > 0 ? { failure: `${json.errors} connection errors: ${json.error_samples[0] ?? ''}` } : {}),
    }
  } catch (error) {
    return { ...base, failure: (error as Error).message.split('\n').slice(0, 3).join(' ') }
  }
}

function describeSample(s: EchoSample): string {
  const where = `${s.contender} ${s.scenario.mode} ${s.scenario.connections}c rep ${s.rep + 1}`
  if (s.rtPerS === undefined) return `${where}: FAILED ${s.failure}`
  return (
    `${where}: ${Math.round(s.rtPerS)} rt/s, p50 ${s.p50Us} µs, p99 ${s.p99Us} µs, ` +
    `server ${s.serverCpuUsPerRt} µs/rt, loadgen busy ${Math.round((s.loadgenCpuFraction ?? 0) * 100)}%` +
    (s.cost
      ? `, task-clock ${s.cost.cpuUs.toFixed(2)} µs/rt, syscalls/rt ${describeSyscalls(s.cost)}, involuntary switches/rt ${s.cost.involuntary.toFixed(3)}`
      : s.costFailure
        ? `, no cost: ${s.costFailure}`
        : '') +
    (s.errors ? `, ${s.errors} ERRORS` : '')
  )
}
