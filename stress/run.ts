/**
 * Stress of the echo examples: thousands of concurrent node:net connections, every byte checked,
 * random half-closes and resets; the server's open fds must come back to their baseline and its RSS
 * must stay flat from one round of load to the next.
 *
 *   npm run stress                                  # both servers, 2 rounds of 30 s, 5,000 connections
 *   node --import tsx stress/run.ts --seconds 5 --connections 6000 --server examples/echo-server.ts
 *
 * `runStress` is also what `__test__/stress/echo-servers.spec.ts` runs, shorter.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const ROOT = join(__dirname, '..')
const CLIENT = join(__dirname, 'client.ts')

export interface StressOptions {
  /** The echo server, relative to the repository root. */
  server: string
  /** Concurrent connections in total (split over `clients` processes). */
  connections: number
  clients: number
  /** Seconds of traffic per round. */
  seconds: number
  /** Rounds of load: RSS after the last is compared with RSS after the first. */
  rounds: number
  seed: number
}

export interface ClientCounts {
  opened: number
  verified: number
  unsent: number
  closes: number
  halfCloses: number
  resets: number
  messages: number
  bytes: number
  errors: number
  firstErrors: string[]
}

export interface RoundReport {
  /** Server fds while every connection of the first wave was open. */
  peakFds: number
  /** Server fds once the round was over (must equal the baseline). */
  fdsAfter: number
  /** Server RSS in KiB after the round. */
  rssAfterKiB: number
  counts: ClientCounts
  seconds: number
}

export interface StressReport {
  server: string
  baselineFds: number
  baselineRssKiB: number
  rounds: RoundReport[]
  exitCode: number | null
}

const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length
const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1])
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Lines of a child's stdout, one at a time. */
function lines(child: ChildProcess): AsyncIterator<string> {
  return createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
}

async function startServer(file: string): Promise<{ server: ChildProcess; port: number }> {
  const server = spawn(process.execPath, ['--import', 'tsx', join(ROOT, file), '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  let timer: NodeJS.Timeout | undefined
  const first = await Promise.race([
    lines(server).next(),
    new Promise<{ value: string }>((resolve) => (timer = setTimeout(() => resolve({ value: 'nothing within 30 s' }), 30_000))),
    new Promise<{ value: string }>((resolve) => server.once('exit', (code) => resolve({ value: `exit ${code}` }))),
  ])
  clearTimeout(timer)
  const match = /^listening (\d+)$/.exec(String(first.value))
  if (!match) {
    server.kill('SIGKILL')
    throw new Error(`${file} printed ${JSON.stringify(first.value)} instead of "listening <port>"`)
  }
  return { server, port: Number(match[1]) }
}

/** Waits until the server's fd count is back to `baseline` (or `ms` pass); returns the last count. */
async function settleFds(pid: number, baseline: number, ms: number): Promise<number> {
  const until = Date.now() + ms
  let count = fdCount(pid)
  while (count !== baseline && Date.now() < until) {
    await sleep(50)
    count = fdCount(pid)
  }
  return count
}

async function round(pid: number, port: number, baselineFds: number, options: StressOptions, index: number): Promise<RoundReport> {
  const per = Math.ceil(options.connections / options.clients)
  const clients = Array.from({ length: options.clients }, (_, i) =>
    spawn(
      process.execPath,
      ['--import', 'tsx', CLIENT, JSON.stringify({ port, connections: per, seconds: options.seconds, seed: options.seed + 7919 * (index * options.clients + i) })],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    ),
  )
  const outputs = clients.map(lines)
  for (const output of outputs) {
    const line = await output.next()
    if (line.value !== 'connected') throw new Error(`a client printed ${JSON.stringify(line.value)} instead of "connected"`)
  }
  // Every client holds all its connections open now; the server has accepted them once it has them all.
  const peakFds = await waitForFds(pid, baselineFds + per * options.clients, 10_000)
  const start = Date.now()
  for (const client of clients) client.stdin!.write('go\n')
  const counts: ClientCounts = { opened: 0, verified: 0, unsent: 0, closes: 0, halfCloses: 0, resets: 0, messages: 0, bytes: 0, errors: 0, firstErrors: [] }
  for (const output of outputs) {
    const result = JSON.parse(String((await output.next()).value)) as ClientCounts
    for (const key of Object.keys(counts) as (keyof ClientCounts)[]) {
      if (key === 'firstErrors') counts.firstErrors.push(...result.firstErrors)
      else counts[key] += result[key]
    }
  }
  const seconds = (Date.now() - start) / 1000
  const fdsAfter = await settleFds(pid, baselineFds, 10_000)
  return { peakFds, fdsAfter, rssAfterKiB: rssKiB(pid), counts, seconds }
}

/** Waits until the server has at least `count` fds open (or `ms` pass); returns the highest count seen. */
async function waitForFds(pid: number, count: number, ms: number): Promise<number> {
  const until = Date.now() + ms
  let seen = fdCount(pid)
  while (seen < count && Date.now() < until) {
    await sleep(20)
    seen = Math.max(seen, fdCount(pid))
  }
  return seen
}

export async function runStress(options: StressOptions): Promise<StressReport> {
  const { server, port } = await startServer(options.server)
  try {
    await sleep(200) // let the server finish starting (worker threads, lazily opened fds)
    const baselineFds = fdCount(server.pid!)
    const baselineRssKiB = rssKiB(server.pid!)
    const rounds: RoundReport[] = []
    for (let i = 0; i < options.rounds; i++) rounds.push(await round(server.pid!, port, baselineFds, options, i))
    const exitCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000)
      server.once('exit', (code) => {
        clearTimeout(timer)
        resolve(code)
      })
      server.kill('SIGTERM')
    })
    return { server: options.server, baselineFds, baselineRssKiB, rounds, exitCode }
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL')
  }
}

/** A report as a few lines of text. */
export function describe(report: StressReport): string {
  const out = [`${report.server}: baseline ${report.baselineFds} fds, RSS ${(report.baselineRssKiB / 1024).toFixed(1)} MiB; exit code ${report.exitCode}`]
  for (const [i, r] of report.rounds.entries()) {
    const c = r.counts
    out.push(
      `  round ${i + 1}: ${r.peakFds - report.baselineFds} connections open at once; ${c.opened} connections in ${r.seconds.toFixed(1)} s ` +
        `(${c.verified} verified: ${c.closes} closes, ${c.halfCloses} half-closes; ${c.resets} resets; ${c.unsent} opened at the deadline, unused); ` +
        `${c.messages} messages, ${(c.bytes / 1048576).toFixed(1)} MiB echoed and checked; ${c.errors} errors; ` +
        `fds after ${r.fdsAfter}; RSS ${(r.rssAfterKiB / 1024).toFixed(1)} MiB`,
    )
    for (const error of c.firstErrors) out.push(`    ${error}`)
  }
  return out.join('\n')
}

/** Whether a report shows a failure: errors, fds not back to baseline, RSS growth, unclean exit. */
export function problems(report: StressReport, rssGrowthLimitKiB: number): string[] {
  const found: string[] = []
  if (report.exitCode !== 0) found.push(`the server exited with ${report.exitCode} on SIGTERM`)
  for (const [i, r] of report.rounds.entries()) {
    if (r.counts.errors > 0) found.push(`round ${i + 1}: ${r.counts.errors} errors`)
    const accounted = r.counts.verified + r.counts.resets + r.counts.unsent
    if (r.counts.errors === 0 && accounted !== r.counts.opened) {
      found.push(`round ${i + 1}: ${r.counts.opened} connections opened, ${accounted} verified, reset or unused`)
    }
    if (r.fdsAfter !== report.baselineFds) found.push(`round ${i + 1}: ${r.fdsAfter} fds after, baseline ${report.baselineFds}`)
  }
  const first = report.rounds[0]
  const last = report.rounds[report.rounds.length - 1]
  if (last.rssAfterKiB - first.rssAfterKiB > rssGrowthLimitKiB) {
    found.push(`RSS grew by ${last.rssAfterKiB - first.rssAfterKiB} KiB from round 1 to round ${report.rounds.length}`)
  }
  return found
}

if (require.main === module) {
  const arg = (name: string, fallback: string) => {
    const at = process.argv.indexOf(`--${name}`)
    return at === -1 ? fallback : process.argv[at + 1]
  }
  const servers = arg('server', 'examples/echo-server.ts,examples/echo-server-handlers.ts').split(',')
  void (async () => {
    let failed = false
    for (const server of servers) {
      const report = await runStress({
        server,
        connections: Number(arg('connections', '5000')),
        clients: Number(arg('clients', '2')),
        seconds: Number(arg('seconds', '30')),
        rounds: Number(arg('rounds', '2')),
        seed: Number(arg('seed', String(Date.now() % 1e9))),
      })
      console.log(describe(report))
      const found = problems(report, Number(arg('rss-growth-mib', '32')) * 1024)
      for (const problem of found) console.log(`  FAIL: ${problem}`)
      failed ||= found.length > 0
    }
    process.exit(failed ? 1 : 0)
  })()
}
