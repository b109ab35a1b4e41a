/**
 * The targets of issues 24 and 26, checked against one run's raw samples: each with what was
 * measured (median of per-repetition ratios to the peer measured in the same repetition, over the
 * repetitions perf did not flag as disturbed), and whether it is met. `npm run bench` prints this
 * after a run with the echo, UDP and micro parts; `node --import tsx bench/targets.ts [results dir]`
 * prints it again from a run's `raw.json` and `udp-raw.json`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { disturbedSet } from './lib/report'
import { median, range } from './lib/stats'

interface Cost {
  totalSyscalls: number
  cpuUs: number
  involuntary: number
}

interface EchoSample {
  contender: string
  scenario: { mode: string; connections: number }
  rep: number
  rtPerS?: number
  serverCpuUsPerRt?: number
  cost?: Cost
}

interface UdpSample {
  contender: string
  scenario: string
  rep: number
  rate?: number
  cpuUsPerDatagram?: number
  cost?: Cost
}

interface MicroTable {
  title: string
  columns: string[]
  rows: string[][]
}

type Metric = 'cpu' | 'rate' | 'syscalls'

/** One target: a ratio of `ours` to `peer` (or an absolute value when `peer` is null), and its bound. */
interface Target {
  issue: number
  what: string
  ours: string
  peer: string | null
  metric: Metric
  bound: number
  /** `max`: at most `bound`; `min`: at least `bound`; `below-peer`: fewer than the peer's. */
  kind: 'max' | 'min' | 'below-peer'
}

function value(sample: { cost?: Cost; rtPerS?: number; rate?: number; serverCpuUsPerRt?: number; cpuUsPerDatagram?: number }, metric: Metric): number | undefined {
  if (metric === 'rate') return sample.rtPerS ?? sample.rate
  if (metric === 'syscalls') return sample.cost?.totalSyscalls
  return sample.cost?.cpuUs ?? sample.serverCpuUsPerRt ?? sample.cpuUsPerDatagram
}

/** Per repetition: ours ÷ peer (or ours alone), leaving out repetitions perf flagged as disturbed. */
function ratios<S extends { contender: string; rep: number; cost?: Cost }>(samples: S[], target: Target): number[] {
  const disturbed = disturbedSet(samples.filter((s) => s.contender === target.ours))
  const out: number[] = []
  for (const mine of samples.filter((s) => s.contender === target.ours && !disturbed.has(s))) {
    const a = value(mine, target.metric)
    if (a === undefined) continue
    if (target.peer === null || target.kind === 'below-peer') {
      out.push(a)
      continue
    }
    const theirs = samples.find((s) => s.contender === target.peer && s.rep === mine.rep)
    const b = theirs && value(theirs, target.metric)
    if (b) out.push(a / b)
  }
  return out
}

function verdict(target: Target, measured: number, peer?: number): string {
  const met = target.kind === 'max' ? measured <= target.bound : target.kind === 'min' ? measured >= target.bound : measured < (peer ?? 0)
  return met ? 'met' : '**missed**'
}

function fmt(n: number): string {
  return n >= 10 ? n.toFixed(1) : n.toFixed(2)
}

function row<S extends { contender: string; rep: number; cost?: Cost }>(target: Target, scenario: string, samples: S[]): string {
  const mine = ratios(samples, target)
  if (mine.length === 0) return `| ${target.issue} | ${target.what} | ${scenario} | not measured in this run | – |`
  const [lo, hi] = range(mine)
  const m = median(mine)
  if (target.kind === 'below-peer') {
    const theirs = ratios(samples, { ...target, ours: target.peer! })
    const p = median(theirs)
    return `| ${target.issue} | ${target.what} | ${scenario} | ${fmt(m)} (${fmt(lo)}–${fmt(hi)}) against ${fmt(p)} | ${verdict(target, m, p)} |`
  }
  const bound = `${target.kind === 'max' ? '≤' : '≥'} ${target.bound}`
  return `| ${target.issue} | ${target.what} (${bound}) | ${scenario} | ${fmt(m)} (${fmt(lo)}–${fmt(hi)}) | ${verdict(target, m)} |`
}

const ECHO_TARGETS: Target[] = [
  { issue: 26, what: 'blocking loop CPU/rt × C epoll', ours: 'blocking', peer: 'c', metric: 'cpu', bound: 1.02, kind: 'max' },
  { issue: 26, what: 'handlers example CPU/rt × C epoll', ours: 'handlers', peer: 'c', metric: 'cpu', bound: 1.05, kind: 'max' },
  { issue: 26, what: 'read-until-EAGAIN handlers CPU/rt × C epoll', ours: 'plain-et', peer: 'c', metric: 'cpu', bound: 1.1, kind: 'max' },
  { issue: 26, what: 'stream echo on io_uring, CPU/rt × C epoll', ours: 'stream', peer: 'c', metric: 'cpu', bound: 1.0, kind: 'max' },
  { issue: 26, what: 'stream echo on io_uring, system calls per round trip', ours: 'stream', peer: null, metric: 'syscalls', bound: 0.1, kind: 'max' },
  { issue: 26, what: 'stream echo on io_uring, CPU/rt × C io_uring', ours: 'stream', peer: 'c-uring', metric: 'cpu', bound: 1.05, kind: 'max' },
  { issue: 24, what: 'stream echo round trips/s × node:net', ours: 'stream', peer: 'node-net', metric: 'rate', bound: 1.5, kind: 'min' },
  { issue: 24, what: 'stream echo CPU/rt × C epoll', ours: 'stream', peer: 'c', metric: 'cpu', bound: 1.3, kind: 'max' },
]

const UDP_TARGETS: Target[] = [
  { issue: 26, what: 'recvFrom/sendTo CPU/datagram × C recvfrom/sendto', ours: 'ours-single', peer: 'c-single', metric: 'cpu', bound: 1.05, kind: 'max' },
  { issue: 26, what: 'datagrams() on io_uring, CPU/datagram × C recvmmsg', ours: 'ours-iter', peer: 'c-mmsg', metric: 'cpu', bound: 1.0, kind: 'max' },
  { issue: 26, what: 'datagrams() on io_uring, system calls per datagram, fewer than C recvmmsg', ours: 'ours-iter', peer: 'c-mmsg', metric: 'syscalls', bound: 0, kind: 'below-peer' },
  { issue: 24, what: 'datagrams() datagrams/s × C recvmmsg', ours: 'ours-iter', peer: 'c-mmsg', metric: 'rate', bound: 0.85, kind: 'min' },
  { issue: 24, what: 'datagrams() datagrams/s × node:dgram', ours: 'ours-iter', peer: 'node-dgram', metric: 'rate', bound: 2, kind: 'min' },
]

const UDP_SCENARIOS: Record<string, string> = { pp1: 'ping-pong, 1 flow', pp64: 'ping-pong, 64 flows', flood: 'one-way flood' }

/** Per-event cost of `poll` and handlers × C `epoll_wait`, from the micro "Dispatch" table (its × C column). */
function microRows(tables: MicroTable[]): string[] {
  const table = tables.find((t) => t.title.startsWith('Dispatch'))
  if (table === undefined) return []
  const column = table.columns.findIndex((c) => c.includes('× C'))
  return [
    ['epoll-napi `poll`', '`poll()` per event × C `epoll_wait`'],
    ['epoll-napi handlers on the event loop', 'handlers per event × C `epoll_wait`'],
  ].map(([label, what]) => {
    const found = table.rows.find((r) => r[0] === label)
    if (found === undefined || column < 0) return `| 26 | ${what} (≤ 1.2) | 10,000 ready fds | not measured in this run | – |`
    const measured = Number.parseFloat(found[column])
    return `| 26 | ${what} (≤ 1.2) | 10,000 ready fds | ${found[column]} | ${measured <= 1.2 ? 'met' : '**missed**'} |`
  })
}

/** The targets table of one run. */
export function targetsMarkdown(echo: EchoSample[], udp: UdpSample[], micro: MicroTable[]): string {
  const lines = [
    '### Targets of issues 24 and 26',
    '',
    'Each measured as the median of per-repetition ratios to the peer in the same repetition (min–max), over the repetitions perf did not flag as disturbed; CPU is task-clock per request where perf ran, else utime + stime.',
    '',
    '| issue | target | scenario | measured | |',
    '| ---: | --- | --- | --- | --- |',
  ]
  for (const mode of ['spread', 'same-core']) {
    const samples = echo.filter((s) => s.scenario.mode === mode && s.scenario.connections === 50)
    for (const target of ECHO_TARGETS) lines.push(row(target, `${mode === 'spread' ? 'two cores' : 'same core'}, 50 conns`, samples))
  }
  for (const target of UDP_TARGETS) {
    for (const [id, name] of Object.entries(UDP_SCENARIOS)) {
      if (target.ours === 'ours-single' && id === 'flood') continue
      lines.push(row(target, name, udp.filter((s) => s.scenario === id)))
    }
  }
  lines.push(...microRows(micro))
  return lines.join('\n')
}

if (process.argv[1] === __filename) {
  const dir = process.argv[2] ?? join(__dirname, 'results')
  const raw = JSON.parse(readFileSync(join(dir, 'raw.json'), 'utf8')) as { echo?: EchoSample[]; micro?: MicroTable[] }
  const udpPath = join(dir, 'udp-raw.json')
  const udp = existsSync(udpPath) ? (JSON.parse(readFileSync(udpPath, 'utf8')) as { samples: UdpSample[] }).samples : []
  process.stdout.write(`${targetsMarkdown(raw.echo ?? [], udp, raw.micro ?? [])}\n`)
}
