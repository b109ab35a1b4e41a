/**
 * The UDP benchmark: echo servers, each in its own process, driven by a C load generator
 * (`bench/udp/loadgen.c`), every server and the load generator pinned to the same core
 * (`taskset -c 0`), so that packets/s compares how much CPU each server spends per datagram.
 *
 * Scenarios: ping-pong with 1 and 64 flows (one socket per flow, one datagram in flight each, every
 * byte of every echo checked), and a one-way flood (the server checks every FLOD datagram's
 * payload and counts it; STAT datagrams read its counts at both ends of the window).
 *
 * Protocol every server follows: a datagram starting with "FLOD" is checked (payload byte i after
 * the 12-byte header is `(seq + i) & 0xff`) and counted, no reply; "STAT" is answered with the first
 * 12 bytes of the query followed by the good and bad counts (u64 little endian); anything else is
 * echoed to its sender.
 *
 * Repetitions are interleaved (every contender once per repetition, the order rotating), and each
 * ratio is taken against the C recvmmsg server's number in the same repetition: the table shows the
 * median of these per-repetition ratios with their min–max.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release } from 'node:os'
import { join } from 'node:path'

import { BENCH, BUILD_DIR, ROOT } from './lib/build'
import { CostMeter, describeSyscalls, perOperation, type PerOp } from './lib/cost'
import { runBuild, runJson, startServer, stopServer, type Server } from './lib/proc'
import { byNameText, disturbedSet, median } from './lib/report'

const RUNTIMES = join(ROOT, 'runtimes', 'node_modules', '.bin')
const NODE = process.execPath
const LOADGEN = join(BUILD_DIR, 'udp-loadgen')
const C_SERVER = join(BUILD_DIR, 'servers-udp-echo')
const PIN = ['taskset', '-c', '0']

interface UdpContender {
  id: string
  label: string
  short: string
  argv: () => string[] | { unavailable: string }
}

const need = (path: string, argv: string[]) => (existsSync(path) ? argv : { unavailable: `${path.slice(ROOT.length + 1)} is missing` })
const ours = (mode: string, root = ROOT) => [NODE, '--import', 'tsx', join(root, 'bench', 'servers', 'udp-epoll-napi.ts'), mode]

export const UDP_CONTENDERS: UdpContender[] = [
  { id: 'c-mmsg', short: 'C recvmmsg', label: 'C recvmmsg/sendmmsg, 64 per call (gcc -O2)', argv: () => need(C_SERVER, [C_SERVER, '--mmsg']) },
  { id: 'c-single', short: 'C recvfrom', label: 'C recvfrom/sendto (gcc -O2)', argv: () => need(C_SERVER, [C_SERVER, '--single']) },
  { id: 'ours-batch', short: 'epoll-napi batched', label: 'epoll-napi recvMessages/sendMessages, 64 per call', argv: () => ours('--batch') },
  { id: 'ours-single', short: 'epoll-napi single', label: 'epoll-napi recvFrom/sendTo', argv: () => ours('--single') },
  {
    id: 'ours-iter',
    short: 'for await datagrams()',
    label: 'epoll-napi for await datagrams() + reply() (copies), io_uring engine',
    argv: () => [NODE, '--import', 'tsx', join(BENCH, 'servers', 'udp-datagrams.ts')],
  },
  {
    id: 'ours-iter-epoll',
    short: 'datagrams() on epoll',
    label: 'the same with EPOLL_NAPI_ENGINE=epoll (recvmmsg/sendmmsg batches)',
    argv: () => ['/usr/bin/env', 'EPOLL_NAPI_ENGINE=epoll', NODE, '--import', 'tsx', join(BENCH, 'servers', 'udp-datagrams.ts')],
  },
  {
    id: 'ours-iter-views',
    short: 'datagrams() views',
    label: 'epoll-napi for await datagrams({ views: true }) + reply()',
    argv: () => [NODE, '--import', 'tsx', join(BENCH, 'servers', 'udp-datagrams.ts'), '--views'],
  },
  { id: 'python', short: 'Python', label: 'Python socket + select.epoll', argv: () => ['python3', join(BENCH, 'servers', 'udp-echo.py')] },
  { id: 'node-dgram', short: 'node:dgram', label: `node:dgram (Node ${process.versions.node})`, argv: () => [NODE, join(BENCH, 'servers', 'udp-dgram.mjs')] },
  {
    id: 'bun',
    short: 'Bun.udpSocket',
    label: 'Bun.udpSocket (Bun 1.4.5)',
    argv: () => need(join(RUNTIMES, 'bun'), [join(RUNTIMES, 'bun'), join(BENCH, 'servers', 'udp-bun.ts')]),
  },
  {
    id: 'deno-dgram',
    short: 'Deno node:dgram',
    label: 'Deno 2.9.6, node:dgram (no flags)',
    argv: () => need(join(RUNTIMES, 'deno'), [join(RUNTIMES, 'deno'), 'run', '--allow-net', join(BENCH, 'servers', 'udp-dgram.mjs')]),
  },
  {
    id: 'deno-unstable',
    short: 'Deno.listenDatagram',
    label: 'Deno 2.9.6, Deno.listenDatagram (only with --unstable-net)',
    argv: () =>
      need(join(RUNTIMES, 'deno'), [join(RUNTIMES, 'deno'), 'run', '--allow-net', '--unstable-net', join(BENCH, 'servers', 'udp-deno.ts')]),
  },
]

/** Adds the epoll-napi UDP servers of another checkout (`--baseline DIR`) as `<id>@base`. */
export function addUdpBaseline(dir: string): void {
  UDP_CONTENDERS.splice(
    4,
    0,
    { id: 'ours-batch@base', short: 'batched@base', label: '@base epoll-napi recvMessages/sendMessages', argv: () => ours('--batch', dir) },
    { id: 'ours-single@base', short: 'single@base', label: '@base epoll-napi recvFrom/sendTo', argv: () => ours('--single', dir) },
  )
  const iterating = join(dir, 'bench', 'servers', 'udp-datagrams.ts')
  const at = UDP_CONTENDERS.findIndex((c) => c.id === 'ours-iter-views') + 1
  UDP_CONTENDERS.splice(
    at,
    0,
    { id: 'ours-iter@base', short: 'datagrams()@base', label: '@base epoll-napi for await datagrams() + reply() (copies), its default engine', argv: () => [NODE, '--import', 'tsx', iterating] },
    {
      id: 'ours-iter-epoll@base',
      short: 'datagrams() on epoll@base',
      label: '@base the same with EPOLL_NAPI_ENGINE=epoll',
      argv: () => ['/usr/bin/env', 'EPOLL_NAPI_ENGINE=epoll', NODE, '--import', 'tsx', iterating],
    },
    { id: 'ours-iter-views@base', short: 'views@base', label: '@base epoll-napi for await datagrams({ views: true }) + reply()', argv: () => [NODE, '--import', 'tsx', iterating, '--views'] },
  )
}

type ScenarioId = 'pp1' | 'pp64' | 'flood'
const SCENARIOS: { id: ScenarioId; name: string; args: string[] }[] = [
  { id: 'pp1', name: 'ping-pong, 1 flow', args: ['--mode', 'pingpong', '--flows', '1'] },
  { id: 'pp64', name: 'ping-pong, 64 flows', args: ['--mode', 'pingpong', '--flows', '64'] },
  { id: 'flood', name: 'one-way flood', args: ['--mode', 'flood'] },
]

interface LoadgenJson {
  rate: number
  window_s: number
  errors: number
  error_sample: string
  retransmits: number
  server_cpu_s: number
  loadgen_cpu_fraction: number
  sent: number
}

export interface UdpSample {
  contender: string
  scenario: ScenarioId
  rep: number
  rate?: number
  /** Server CPU µs per datagram the server handled (a round trip is 2 datagrams). */
  cpuUsPerDatagram?: number
  retransmits?: number
  errors?: number
  /** System calls, CPU (task-clock) and context switches per datagram handled (perf stat). */
  cost?: PerOp
  failure?: string
}

export interface UdpOptions {
  quick: boolean
  partial: boolean
  reps?: number
  durationS?: number
  updateReadme: boolean
  /** Contenders to run (a name also selects its `@base` twin); all when absent. */
  udpOnly?: Set<string>
  /** Count system calls and CPU with perf stat over each window (default on). */
  perf?: boolean
  log: (line: string) => void
}

async function measure(
  id: string,
  server: Server,
  scenario: (typeof SCENARIOS)[number],
  rep: number,
  warmupS: number,
  durationS: number,
  perf: boolean,
): Promise<UdpSample> {
  const base = { contender: id, scenario: scenario.id, rep }
  if (server.child.exitCode !== null || server.child.signalCode !== null) return { ...base, failure: `server exited: ${server.stderr().slice(-200)}` }
  const argv = [...PIN, LOADGEN, '--port', String(server.port), ...scenario.args, '--size', '64', '--warmup', String(warmupS), '--duration', String(durationS), '--server-pid', String(server.pid)]
  try {
    // perf counts exactly over the load generator's measured window (it says when on stderr).
    const meter = perf ? await CostMeter.start(server.pid) : undefined
    let json: LoadgenJson
    try {
      json = await runJson<LoadgenJson>(argv, { timeoutMs: (warmupS + durationS) * 1000 + 30_000, onStderrLine: meter?.onLine })
    } catch (error) {
      await meter?.finish().catch(() => undefined)
      throw error
    }
    const datagrams = json.rate * json.window_s * (scenario.id === 'flood' ? 1 : 2)
    const cost = meter ? await meter.finish().catch(() => undefined) : undefined
    return {
      ...base,
      ...(cost ? { cost: perOperation(cost, json.rate * (scenario.id === 'flood' ? 1 : 2)) } : {}),
      rate: json.rate,
      cpuUsPerDatagram: json.server_cpu_s >= 0 && datagrams > 0 ? (json.server_cpu_s * 1e6) / datagrams : undefined,
      retransmits: json.retransmits,
      errors: json.errors,
      ...(json.errors > 0 ? { failure: `${json.errors} wrong datagrams: ${json.error_sample}` } : {}),
    }
  } catch (error) {
    return { ...base, failure: (error as Error).message.split('\n').slice(0, 2).join(' ') }
  }
}

const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–')

interface Cell {
  rate: number
  ratio: number
  min: number
  max: number
  cpu: number
  /** Median over repetitions of this server's CPU per datagram ÷ the C recvmmsg server's. */
  cpuRatio: number
  runs: number
  failures: string[]
}

function cells(samples: UdpSample[]): Map<string, Cell> {
  const out = new Map<string, Cell>()
  for (const scenario of SCENARIOS) {
    const cBase = samples.filter((s) => s.contender === 'c-mmsg' && s.scenario === scenario.id && s.rate && !s.errors)
    const base = new Map(cBase.map((s) => [s.rep, s.rate!]))
    const cpuBase = new Map(cBase.filter((s) => s.cpuUsPerDatagram).map((s) => [s.rep, s.cpuUsPerDatagram!]))
    for (const contender of UDP_CONTENDERS) {
      const mine = samples.filter((s) => s.contender === contender.id && s.scenario === scenario.id)
      if (mine.length === 0) continue
      const good = mine.filter((s) => s.rate !== undefined && !s.errors)
      const ratios = good.filter((s) => base.has(s.rep)).map((s) => s.rate! / base.get(s.rep)!)
      out.set(`${contender.id}/${scenario.id}`, {
        rate: median(good.map((s) => s.rate!)),
        ratio: median(ratios),
        min: Math.min(...ratios),
        max: Math.max(...ratios),
        cpu: median(good.filter((s) => s.cpuUsPerDatagram !== undefined).map((s) => s.cpuUsPerDatagram!)),
        cpuRatio: median(good.filter((s) => s.cpuUsPerDatagram !== undefined && cpuBase.has(s.rep)).map((s) => s.cpuUsPerDatagram! / cpuBase.get(s.rep)!)),
        runs: good.length,
        failures: mine.filter((s) => s.failure).map((s) => s.failure!),
      })
    }
  }
  return out
}

function markdown(table: Map<string, Cell>, unavailable: Map<string, string>, samples: UdpSample[]): string {
  const head = `| server | ${SCENARIOS.map((s) => `${s.name}: ${s.id === 'flood' ? 'datagrams' : 'round trips'}/s, × C recvmmsg (min–max)`).join(' | ')} |`
  const lines = [head, `| --- | ${SCENARIOS.map(() => '---:').join(' | ')} |`]
  const cpuLines = [
    `| server CPU µs per datagram (× C recvmmsg) | ${SCENARIOS.map((s) => s.name).join(' | ')} |`,
    `| --- | ${SCENARIOS.map(() => '---:').join(' | ')} |`,
  ]
  const notes: string[] = []
  for (const contender of UDP_CONTENDERS) {
    if (unavailable.has(contender.id)) {
      notes.push(`- not measured: ${contender.label}: ${unavailable.get(contender.id)}`)
      continue
    }
    if (!SCENARIOS.some((s) => table.has(`${contender.id}/${s.id}`))) continue // left out by --udp-only
    const row = SCENARIOS.map((s) => {
      const cell = table.get(`${contender.id}/${s.id}`)
      if (!cell || !Number.isFinite(cell.rate)) return '–'
      if (cell.failures.length) notes.push(`- ${contender.label}, ${s.name}: ${cell.failures.length} failed run(s): ${cell.failures[0]}`)
      return `${fmt(cell.rate)} · **${fmt(cell.ratio, 2)}×** (${fmt(cell.min, 2)}–${fmt(cell.max, 2)})`
    })
    lines.push(`| ${contender.label} | ${row.join(' | ')} |`)
    const cpu = SCENARIOS.map((s) => table.get(`${contender.id}/${s.id}`))
    cpuLines.push(`| ${contender.label} | ${cpu.map((c) => `${fmt(c?.cpu ?? NaN, 2)} (${fmt(c?.cpuRatio ?? NaN, 2)}×)`).join(' | ')} |`)
  }
  for (const [id, why] of unavailable) if (!UDP_CONTENDERS.some((c) => c.id === id)) notes.push(`- not measured: ${id}: ${why}`)
  return [...lines, '', ...cpuLines, '', ...costLines(samples), ...(notes.length ? ['', ...notes] : [])].join('\n')
}

/**
 * Cost per datagram from perf stat, medians over the undisturbed repetitions; task-clock ratios to
 * both C servers in the same repetition (recvfrom/sendto is the peer of the single-datagram calls).
 */
function costLines(samples: UdpSample[]): string[] {
  const lines = [
    'Cost per datagram handled (perf stat on the server over the measured window; medians over the undisturbed repetitions):',
    '',
    '| scenario | server | syscalls/datagram | by name | task-clock µs/datagram | × C recvfrom (min–max) | × C recvmmsg | involuntary switches/datagram | disturbed runs |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const scenario of SCENARIOS) {
    const base = (id: string) => {
      const mine = samples.filter((s) => s.contender === id && s.scenario === scenario.id && s.cost && !s.errors)
      const disturbed = disturbedSet(mine)
      return new Map(mine.filter((s) => !disturbed.has(s)).map((s) => [s.rep, s.cost!.cpuUs]))
    }
    const single = base('c-single')
    const mmsg = base('c-mmsg')
    for (const contender of UDP_CONTENDERS) {
      const mine = samples.filter((s) => s.contender === contender.id && s.scenario === scenario.id && s.cost && !s.errors)
      if (mine.length === 0) continue
      const disturbed = disturbedSet(mine)
      const quietAll = mine.filter((s) => !disturbed.has(s))
      const quiet = quietAll.length ? quietAll : mine
      const ratios = (to: Map<number, number>) => quietAll.filter((s) => to.has(s.rep)).map((s) => s.cost!.cpuUs / to.get(s.rep)!)
      const toSingle = ratios(single)
      const names = new Set(quiet.flatMap((s) => Object.keys(s.cost!.syscalls)))
      const byName = Object.fromEntries([...names].map((n) => [n, median(quiet.map((s) => s.cost!.syscalls[n] ?? 0))]))
      lines.push(
        `| ${scenario.name} | ${contender.short} | ${fmt(median(quiet.map((s) => s.cost!.totalSyscalls)), 3)} | ${byNameText(byName)} | ` +
          `${fmt(median(quiet.map((s) => s.cost!.cpuUs)), 2)} | ${fmt(median(toSingle), 2)} (${fmt(Math.min(...toSingle), 2)}–${fmt(Math.max(...toSingle), 2)}) | ` +
          `${fmt(median(ratios(mmsg)), 2)} | ${fmt(median(mine.map((s) => s.cost!.involuntary)), 3)} | ${disturbed.size}/${mine.length} |`,
      )
    }
  }
  return lines
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f']
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function svg(table: Map<string, Cell>, subtitle: string): string {
  const shown = UDP_CONTENDERS.filter((c) => SCENARIOS.some((s) => Number.isFinite(table.get(`${c.id}/${s.id}`)?.ratio ?? NaN)))
  const longest = Math.max(1.01, ...[...table.values()].map((c) => (Number.isFinite(c.ratio) ? c.ratio : 0)))
  const maxRatio = Math.ceil(longest / 0.25) * 0.25
  const [labelW, plotW, barH, gap, top] = [150, 520, 11, 12, 62]
  const groupH = SCENARIOS.length * barH + gap
  const height = top + shown.length * groupH + 40
  const width = labelW + plotW + 70
  const x = (r: number) => labelW + (r / maxRatio) * plotW
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">UDP echo, 64-byte datagrams, one core: packets/s relative to C recvmmsg (median ratio)</text>`,
    `<text x="10" y="38" fill="#555">${escapeXml(subtitle)}</text>`,
  ]
  SCENARIOS.forEach((s, i) => {
    out.push(`<rect x="${10 + i * 150}" y="${top - 16}" width="10" height="10" fill="${COLORS[i]}"/>`, `<text x="${24 + i * 150}" y="${top - 7}">${s.name}</text>`)
  })
  for (let tick = 0; tick <= maxRatio + 1e-9; tick += 0.25) {
    const strong = Math.abs(tick - 1) < 1e-9
    out.push(
      `<line x1="${x(tick)}" y1="${top}" x2="${x(tick)}" y2="${height - 30}" stroke="${strong ? '#333' : '#ddd'}" stroke-width="${strong ? 1.5 : 1}"/>`,
      `<text x="${x(tick)}" y="${height - 14}" text-anchor="middle" fill="#555">${tick.toFixed(2)}×</text>`,
    )
  }
  shown.forEach((contender, g) => {
    const gy = top + g * groupH
    out.push(`<text x="${labelW - 8}" y="${gy + (SCENARIOS.length * barH) / 2 + 4}" text-anchor="end">${escapeXml(contender.short)}</text>`)
    SCENARIOS.forEach((s, i) => {
      const cell = table.get(`${contender.id}/${s.id}`)
      if (!cell || !Number.isFinite(cell.ratio)) return
      const y = gy + i * barH
      out.push(
        `<rect x="${labelW}" y="${y}" width="${Math.max(1, x(cell.ratio) - labelW).toFixed(1)}" height="${barH - 2}" fill="${COLORS[i]}"/>`,
        `<text x="${(x(cell.ratio) + 4).toFixed(1)}" y="${y + barH - 3}" font-size="10" fill="#333">${cell.ratio.toFixed(2)}</text>`,
      )
    })
  })
  out.push('</svg>')
  return out.join('\n')
}

/** Builds, runs and reports the UDP section; returns its Markdown for bench/results/results.md. */
export async function runUdp(options: UdpOptions): Promise<string[]> {
  const { log } = options
  const started = Date.now()
  const loadBefore = loadavg()[0]
  mkdirSync(BUILD_DIR, { recursive: true })
  log('udp: building bench/udp/loadgen.c and bench/servers/udp-echo.c (gcc -O2)')
  await runBuild(['gcc', '-O2', '-Wall', '-o', LOADGEN, join(BENCH, 'udp', 'loadgen.c')])
  await runBuild(['gcc', '-O2', '-Wall', '-o', C_SERVER, join(BENCH, 'servers', 'udp-echo.c')])
  const reps = options.reps ?? (options.quick ? 1 : 5)
  const [warmupS, durationS] = options.quick ? [0.2, 0.5] : [0.5, options.durationS ?? 1.5]

  const unavailable = new Map<string, string>()
  const servers = new Map<string, Server>()
  for (const contender of UDP_CONTENDERS) {
    if (options.udpOnly && !options.udpOnly.has(contender.id.replace(/@base$/, ''))) continue
    const argv = contender.argv()
    if (!Array.isArray(argv)) {
      unavailable.set(contender.id, argv.unavailable)
      continue
    }
    try {
      servers.set(contender.id, await startServer([...PIN, ...argv], { cwd: ROOT }))
    } catch (error) {
      unavailable.set(contender.id, `did not start: ${(error as Error).message.split('\n').slice(0, 2).join(' ')}`)
    }
  }
  const samples: UdpSample[] = []
  try {
    const ids = [...servers.keys()]
    for (let rep = 0; rep < reps; rep++) {
      const order = ids.map((_, i) => ids[(i + rep) % ids.length])
      for (const scenario of SCENARIOS) {
        for (const id of order) {
          const sample = await measure(id, servers.get(id)!, scenario, rep, warmupS, durationS, options.perf !== false)
          samples.push(sample)
          const cost = sample.cost
            ? `, task-clock ${sample.cost.cpuUs.toFixed(2)} µs/datagram, syscalls/datagram ${describeSyscalls(sample.cost)}, involuntary switches/datagram ${sample.cost.involuntary.toFixed(3)}`
            : ''
          log(`udp: ${id} ${scenario.id} rep ${rep + 1}: ${sample.rate !== undefined ? `${Math.round(sample.rate)}/s, ${sample.cpuUsPerDatagram?.toFixed(2)} µs CPU/datagram, ${sample.retransmits} retransmits${cost}` : `FAILED ${sample.failure}`}`)
        }
      }
    }
  } finally {
    for (const [id, server] of servers) {
      const how = await stopServer(server)
      if (!how.startsWith('exit 0') && !how.startsWith('signal SIGTERM')) log(`udp: ${id} on SIGTERM: ${how}`)
    }
  }

  const stamp = `${new Date().toISOString().slice(0, 19)}Z · ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length} · Linux ${release()} · load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after · ${Math.round((Date.now() - started) / 1000)} s`
  return report({ stamp, reps, warmupS, durationS, samples, unavailable: [...unavailable] }, options)
}

/** What a run measured, as `udp-raw.json` keeps it (`--report <file>` renders it again). */
interface UdpRun {
  stamp: string
  reps: number
  warmupS: number
  durationS: number
  samples: UdpSample[]
  unavailable: [string, string][]
}

function report(run: UdpRun, options: UdpOptions): string[] {
  const { stamp, reps, warmupS, durationS, samples, log } = { ...run, log: options.log }
  const unavailable = new Map(run.unavailable)
  const table = cells(samples)
  const section = [
    '### UDP echo',
    '',
    `${stamp}`,
    '',
    `64-byte datagrams; every server and the C load generator pinned to one core (\`taskset -c 0\`). ${reps} interleaved repetition(s) of ${durationS} s after ${warmupS} s of warm-up. ` +
      `Each cell: median packets/s · **median of the per-repetition ratios to the C recvmmsg server** (their min–max). Ping-pong: every echo checked byte for byte by the load generator; ` +
      `flood: every datagram checked by the server. Server CPU: utime + stime per datagram handled.`,
    '',
    markdown(table, unavailable, samples),
  ]
  const dir = join(BENCH, 'results', ...(options.quick ? ['quick'] : options.partial ? ['partial'] : []))
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'udp.md'), `${section.join('\n')}\n`)
  writeFileSync(join(dir, 'udp-raw.json'), `${JSON.stringify(run, null, 1)}\n`)
  writeFileSync(join(dir, 'udp.svg'), `${svg(table, `${options.quick ? 'quick smoke run, ' : ''}${stamp}`)}\n`)
  log(`udp: wrote ${dir}/udp.md, udp.svg and udp-raw.json`)
  if (options.updateReadme && !options.quick) updateReadme(section.slice(2).join('\n'), log)
  return section
}

/** Replaces what is between the README's UDP markers. */
function updateReadme(content: string, log: (line: string) => void): void {
  const path = join(ROOT, 'README.md')
  const readme = readFileSync(path, 'utf8')
  const [start, end] = ['<!-- bench:udp:start -->', '<!-- bench:udp:end -->']
  const from = readme.indexOf(start)
  const to = readme.indexOf(end)
  if (from < 0 || to < from) return log('udp: README has no bench:udp markers; left alone')
  writeFileSync(path, `${readme.slice(0, from + start.length)}\n${content}\n${readme.slice(to)}`)
  log('udp: updated the UDP table in README.md')
}

// `node --import tsx bench/udp.ts [--quick] [--reps N] [--update-readme] [--report udp-raw.json]`: the
// UDP section alone, or (--report) the tables and chart of an earlier run rendered again.
if (require.main === module) {
  const argv = process.argv.slice(2)
  const reps = argv.includes('--reps') ? Number(argv[argv.indexOf('--reps') + 1]) : undefined
  const raw = argv.includes('--report') ? argv[argv.indexOf('--report') + 1] : undefined
  const log = (l: string) => process.stderr.write(`${l}\n`)
  if (raw !== undefined) {
    const run = JSON.parse(readFileSync(raw, 'utf8')) as UdpRun
    process.stdout.write(`${report(run, { quick: false, partial: false, updateReadme: argv.includes('--update-readme'), log }).join('\n')}\n`)
    process.exit(0)
  }
  runUdp({ quick: argv.includes('--quick'), partial: false, reps, updateReadme: argv.includes('--update-readme'), log: (l) => process.stderr.write(`${l}\n`) })
    .then((section) => process.stdout.write(`${section.join('\n')}\n`))
    .catch((error) => {
      process.stderr.write(`udp: ${(error as Error).stack ?? error}\n`)
      process.exit(1)
    })
}
