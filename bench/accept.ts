/**
 * The accept benchmark: how fast a server takes 10,000 TCP connections, and how much CPU it spends
 * per connection. A C load generator (`bench/accept/connector.c`) opens the connections (64 in flight)
 * and counts each when the server has accepted and closed it; the server and the load generator are
 * pinned to the same core (`taskset -c 0`), so accepts/s compares CPU efficiency. Contenders: C's
 * accept4 loop, `for await (const { socket } of connections(listener))`, and `node:net`.
 * Repetitions interleave the contenders; ratios are against C in the same repetition (median, min–max).
 */
import { join } from 'node:path'

import { BENCH, BUILD_DIR, ROOT } from './lib/build'
import { runBuild, runJson, startServer, stopServer } from './lib/proc'
import { median } from './lib/report'

const CONNECTOR = join(BUILD_DIR, 'accept-connector')
const C_SERVER = join(BUILD_DIR, 'servers-accept')
const PIN = ['taskset', '-c', '0']
const COUNT = 10_000

const CONTENDERS = [
  { id: 'c', label: 'C accept4 loop (gcc -O2)', argv: [C_SERVER] },
  { id: 'connections', label: 'epoll-napi for await connections()', argv: [process.execPath, '--import', 'tsx', join(BENCH, 'servers', 'accept-connections.ts')] },
  { id: 'node-net', label: `node:net (Node ${process.versions.node})`, argv: [process.execPath, join(BENCH, 'servers', 'accept-net.mjs')] },
]

/** Adds the `connections()` server of another checkout (`--baseline DIR`) as `connections@base`. */
export function addAcceptBaseline(dir: string): void {
  const argv = [process.execPath, '--import', 'tsx', join(dir, 'bench', 'servers', 'accept-connections.ts')]
  CONTENDERS.splice(2, 0, { id: 'connections@base', label: '@base epoll-napi for await connections()', argv })
}

interface ConnectorJson {
  connections: number
  seconds: number
  rate: number
  server_cpu_s: number
}

/** Runs the accept benchmark and returns its markdown section. */
export async function runAccept(options: { quick: boolean; reps?: number; log: (line: string) => void }): Promise<string[]> {
  const { log } = options
  log('accept: building bench/accept/connector.c and bench/servers/accept.c (gcc -O2)')
  await runBuild(['gcc', '-O2', '-Wall', '-o', CONNECTOR, join(BENCH, 'accept', 'connector.c')])
  await runBuild(['gcc', '-O2', '-Wall', '-o', C_SERVER, join(BENCH, 'servers', 'accept.c')])
  const reps = options.reps ?? (options.quick ? 1 : 5)
  const rates = new Map<string, number[]>()
  const cpus = new Map<string, number[]>()
  const rateRatios = new Map<string, number[]>()
  const cpuRatios = new Map<string, number[]>()
  for (let rep = 0; rep < reps; rep++) {
    const got = new Map<string, ConnectorJson>()
    for (let k = 0; k < CONTENDERS.length; k++) {
      const contender = CONTENDERS[(k + rep) % CONTENDERS.length]
      const server = await startServer([...PIN, ...contender.argv], { cwd: ROOT })
      try {
        const json = await runJson<ConnectorJson>([...PIN, CONNECTOR, '--port', String(server.port), '--count', String(COUNT), '--server-pid', String(server.pid)], {
          timeoutMs: 120_000,
        })
        got.set(contender.id, json)
        log(`accept: rep ${rep + 1} ${contender.id}: ${json.rate.toFixed(0)} accepts/s, server CPU ${((json.server_cpu_s * 1e6) / json.connections).toFixed(1)} µs/accept`)
      } finally {
        await stopServer(server)
      }
    }
    const c = got.get('c')!
    for (const [id, json] of got) {
      const cpu = (json.server_cpu_s * 1e6) / json.connections
      for (const [map, value] of [
        [rates, json.rate],
        [cpus, cpu],
        [rateRatios, json.rate / c.rate],
        [cpuRatios, json.server_cpu_s / c.server_cpu_s],
      ] as const) {
        if (!map.has(id)) map.set(id, [])
        map.get(id)!.push(value)
      }
    }
  }
  const range = (values: number[]) => `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`
  return [
    `### Accepting ${COUNT.toLocaleString('en-US')} connections (same core, 64 in flight, ${reps} repetition(s))`,
    '',
    'Server CPU: utime + stime of the server process (10 ms clock ticks) over the run, per accepted connection; × C: median of the per-repetition ratios to C (min–max).',
    '',
    '| server | accepts/s | × C | server CPU µs/accept | CPU × C |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...CONTENDERS.map(
      (c) => `| ${c.label} | ${Math.round(median(rates.get(c.id)!)).toLocaleString('en-US')} | ${range(rateRatios.get(c.id)!)} | ${median(cpus.get(c.id)!).toFixed(1)} | ${range(cpuRatios.get(c.id)!)} |`,
    ),
  ]
}
