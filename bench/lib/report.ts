/**
 * Turns samples into the results: medians, ratios to C within the same run, one Markdown table per
 * benchmark and an SVG bar chart of the echo ratios (written by hand: no chart library needed).
 */
import type { Contender, EchoRun, EchoSample, Scenario } from '../echo'
import { median, range } from './stats'

export { median }

export interface EchoRow {
  contender: Contender
  scenario: Scenario
  runs: number
  failures: string[]
  rtPerS: number
  /** Median over repetitions of (this contender's rt/s / C's rt/s in the same repetition). */
  ratioToC: number
  /** The smallest and largest of those per-repetition ratios. */
  ratioRange: [number, number]
  p50Us: number
  p99Us: number
  serverCpuUsPerRt: number
  /** Median over repetitions of (server CPU per round trip ÷ C's in the same repetition): less
   * sensitive to other load on the machine than rt/s. */
  cpuToC: number
  cpuRange: [number, number]
  /** The load generator's CPU time over the window ÷ the window: near 1 means it may be the limit. */
  loadgenBusy: number
  /** Repetitions flagged as disturbed by other load (see `disturbed`), of those with a cost. */
  disturbedRuns: number
  costRuns: number
  /** Medians over the undisturbed repetitions (all of them when every one was disturbed). */
  syscallsPerRt: number
  syscallsByName: Record<string, number>
  taskClockUsPerRt: number
  /** task-clock per rt ÷ C's in the same repetition, undisturbed pairs only; min–max. */
  taskClockToC: number
  taskClockRange: [number, number]
  involuntaryPerRt: number
}

/**
 * A repetition is disturbed when the server was preempted (involuntary context switches) more than
 * once per 100 round trips and more than twice as often as in its calmest repetition of the same
 * scenario: other load took its core, so its CPU per round trip includes cache refills and waits.
 */
export function disturbedSet<T extends { cost?: { involuntary: number } }>(samples: T[]): Set<T> {
  const rates = samples.filter((s) => s.cost && Number.isFinite(s.cost.involuntary)).map((s) => s.cost!.involuntary)
  const calmest = rates.length ? Math.min(...rates) : 0
  const limit = Math.max(0.01, 2 * calmest)
  return new Set(samples.filter((s) => s.cost !== undefined && s.cost.involuntary > limit))
}

/** The samples to take medians over: the undisturbed ones, or all when every one was disturbed. */
function calm<T extends { cost?: unknown }>(samples: T[], disturbed: Set<T>): T[] {
  const quiet = samples.filter((s) => s.cost !== undefined && !disturbed.has(s))
  return quiet.length ? quiet : samples.filter((s) => s.cost !== undefined)
}

function medianByName(samples: Array<{ cost?: { syscalls: Record<string, number> } }>): Record<string, number> {
  const names = new Set(samples.flatMap((s) => Object.keys(s.cost?.syscalls ?? {})))
  const out: Record<string, number> = {}
  for (const name of names) out[name] = median(samples.map((s) => s.cost?.syscalls[name] ?? 0))
  return out
}

/** "read 1.00 · write 1.00 · epoll_wait 0.05": names at 0.01 per operation or more, largest first. */
export function byNameText(byName: Record<string, number>): string {
  const parts = Object.entries(byName)
    .filter(([, n]) => n >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n.toFixed(2)}`)
  return parts.join(' · ') || '–'
}

export function scenarioName(s: Scenario): string {
  return `${s.mode === 'same-core' ? 'same core, ' : ''}${s.connections} conn${s.connections === 1 ? '' : 's'}`
}

const sameScenario = (a: Scenario, b: Scenario) => a.mode === b.mode && a.connections === b.connections

export function echoRows(run: EchoRun, contenders: Contender[], scenarios: Scenario[]): EchoRow[] {
  const rows: EchoRow[] = []
  for (const scenario of scenarios) {
    const cByRep = new Map<number, number>()
    const cCpuByRep = new Map<number, number>()
    const cClockByRep = new Map<number, number>()
    const cSamples = run.samples.filter((s) => s.contender === 'c' && sameScenario(s.scenario, scenario) && ok(s))
    const cDisturbed = disturbedSet(cSamples)
    for (const s of cSamples) {
      cByRep.set(s.rep, s.rtPerS!)
      if (s.serverCpuUsPerRt) cCpuByRep.set(s.rep, s.serverCpuUsPerRt)
      if (s.cost && !cDisturbed.has(s)) cClockByRep.set(s.rep, s.cost.cpuUs)
    }
    for (const contender of contenders) {
      const mine = run.samples.filter((s) => s.contender === contender.id && sameScenario(s.scenario, scenario))
      if (mine.length === 0) continue
      const good = mine.filter(ok)
      const disturbed = disturbedSet(good)
      const quiet = calm(good, disturbed)
      const clockRatios = quiet.filter((s) => !disturbed.has(s) && cClockByRep.has(s.rep)).map((s) => s.cost!.cpuUs / cClockByRep.get(s.rep)!)
      const ratios = good.filter((s) => cByRep.has(s.rep)).map((s) => s.rtPerS! / cByRep.get(s.rep)!)
      const cpuRatios = good
        .filter((s) => cCpuByRep.has(s.rep) && s.serverCpuUsPerRt !== undefined)
        .map((s) => s.serverCpuUsPerRt! / cCpuByRep.get(s.rep)!)
      rows.push({
        contender,
        scenario,
        runs: good.length,
        failures: mine.filter((s) => !ok(s)).map((s) => s.failure ?? 'failed'),
        rtPerS: median(good.map((s) => s.rtPerS!)),
        ratioToC: median(ratios),
        ratioRange: range(ratios),
        p50Us: median(good.map((s) => s.p50Us!)),
        p99Us: median(good.map((s) => s.p99Us!)),
        serverCpuUsPerRt: median(good.filter((s) => s.serverCpuUsPerRt !== undefined).map((s) => s.serverCpuUsPerRt!)),
        cpuToC: median(cpuRatios),
        cpuRange: range(cpuRatios),
        loadgenBusy: median(good.map((s) => s.loadgenCpuFraction ?? NaN)),
        disturbedRuns: disturbed.size,
        costRuns: good.filter((s) => s.cost).length,
        syscallsPerRt: median(quiet.map((s) => s.cost!.totalSyscalls)),
        syscallsByName: medianByName(quiet),
        taskClockUsPerRt: median(quiet.map((s) => s.cost!.cpuUs)),
        taskClockToC: median(clockRatios),
        taskClockRange: range(clockRatios),
        involuntaryPerRt: median(good.filter((s) => s.cost).map((s) => s.cost!.involuntary)),
      })
    }
  }
  return rows
}

/** A sample counts only when it has numbers and not a single wrong byte or lost connection. */
function ok(s: EchoSample): boolean {
  return s.rtPerS !== undefined && !s.errors
}

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–'

const spread = ([min, max]: [number, number]) => `${fmt(min, 2)}–${fmt(max, 2)}`

export function echoMarkdown(rows: EchoRow[], run: EchoRun, contenders: Contender[]): string {
  const lines = [
    '| scenario | server | round trips/s | × C (min–max) | server CPU µs/rt | CPU/rt × C (min–max) | p50 µs | p99 µs | load generator busy |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const row of rows) {
    const failed = row.failures.length ? ` (${row.failures.length} failed run${row.failures.length > 1 ? 's' : ''})` : ''
    lines.push(
      `| ${scenarioName(row.scenario)} | ${row.contender.label}${failed} | ${fmt(row.rtPerS)} | ${fmt(row.ratioToC, 2)} (${spread(row.ratioRange)}) | ` +
        `${fmt(row.serverCpuUsPerRt, 2)} | ${fmt(row.cpuToC, 2)} (${spread(row.cpuRange)}) | ${fmt(row.p50Us, 0)} | ${fmt(row.p99Us, 0)} | ${fmt(row.loadgenBusy * 100, 0)}% |`,
    )
  }
  const notes: string[] = []
  lines.push(
    '',
    'Cost per round trip (perf stat on the server over the measured window; medians over the undisturbed repetitions):',
    '',
    '| scenario | server | syscalls/rt | by name | task-clock µs/rt | task-clock × C (min–max) | involuntary switches/rt | disturbed runs |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |',
  )
  for (const row of rows) {
    if (!row.costRuns) continue
    lines.push(
      `| ${scenarioName(row.scenario)} | ${row.contender.short} | ${fmt(row.syscallsPerRt, 3)} | ${byNameText(row.syscallsByName)} | ` +
        `${fmt(row.taskClockUsPerRt, 2)} | ${fmt(row.taskClockToC, 2)} (${spread(row.taskClockRange)}) | ${fmt(row.involuntaryPerRt, 3)} | ${row.disturbedRuns}/${row.costRuns} |`,
    )
  }
  for (const contender of contenders) {
    const why = run.unavailable.get(contender.id)
    if (why) notes.push(`- not measured: ${contender.label}: ${why}`)
  }
  for (const row of rows) {
    if (row.failures.length) notes.push(`- ${row.contender.label}, ${scenarioName(row.scenario)}: ${row.failures[0]}`)
  }
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n')
}

export interface MicroTable {
  title: string
  intro: string
  columns: string[]
  rows: string[][]
  notes: string[]
}

export function microMarkdown(table: MicroTable): string {
  const lines = [`### ${table.title}`, '', table.intro, '']
  lines.push(`| ${table.columns.join(' | ')} |`)
  lines.push(`| ${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`)
  for (const row of table.rows) lines.push(`| ${row.join(' | ')} |`)
  if (table.notes.length) lines.push('', ...table.notes.map((n) => `- ${n}`))
  return lines.join('\n')
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948']

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** Horizontal grouped bars: one group per server, one bar per scenario, length = rt/s ÷ C's. */
export function echoSvg(rows: EchoRow[], contenders: Contender[], scenarios: Scenario[], subtitle: string): string {
  const shown = contenders.filter((c) => rows.some((r) => r.contender.id === c.id && Number.isFinite(r.ratioToC)))
  // The axis ends on the first quarter above the longest bar (at least 1.25×, so that C's 1.00× has room).
  const longest = Math.max(1.01, ...rows.map((r) => (Number.isFinite(r.ratioToC) ? r.ratioToC : 0)))
  const maxRatio = Math.ceil(longest / 0.25) * 0.25
  const labelW = 170
  const plotW = 520
  const barH = 11
  const groupGap = 12
  const top = 62
  const groupH = scenarios.length * barH + groupGap
  const height = top + shown.length * groupH + 40
  const width = labelW + plotW + 70
  const x = (ratio: number) => labelW + (ratio / maxRatio) * plotW
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">Echo ping-pong, 64-byte messages: round trips/s relative to C epoll (median ratio)</text>`,
    `<text x="10" y="38" fill="#555">${escapeXml(subtitle)}</text>`,
  )
  scenarios.forEach((s, i) => {
    const lx = 10 + i * 140
    out.push(`<rect x="${lx}" y="${top - 16}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`)
    out.push(`<text x="${lx + 14}" y="${top - 7}">${escapeXml(scenarioName(s))}</text>`)
  })
  for (let tick = 0; tick <= maxRatio + 1e-9; tick += 0.25) {
    const tx = x(tick)
    const strong = Math.abs(tick - 1) < 1e-9
    out.push(
      `<line x1="${tx}" y1="${top}" x2="${tx}" y2="${height - 30}" stroke="${strong ? '#333' : '#ddd'}" stroke-width="${strong ? 1.5 : 1}"/>`,
      `<text x="${tx}" y="${height - 14}" text-anchor="middle" fill="#555">${tick.toFixed(2)}×</text>`,
    )
  }
  shown.forEach((contender, g) => {
    const gy = top + g * groupH
    out.push(`<text x="${labelW - 8}" y="${gy + (scenarios.length * barH) / 2 + 4}" text-anchor="end">${escapeXml(contender.short)}</text>`)
    scenarios.forEach((scenario, i) => {
      const row = rows.find((r) => r.contender.id === contender.id && sameScenario(r.scenario, scenario))
      const y = gy + i * barH
      if (!row || !Number.isFinite(row.ratioToC)) return
      out.push(
        `<rect x="${labelW}" y="${y}" width="${Math.max(1, x(row.ratioToC) - labelW).toFixed(1)}" height="${barH - 2}" fill="${COLORS[i % COLORS.length]}"/>`,
        `<text x="${(x(row.ratioToC) + 4).toFixed(1)}" y="${y + barH - 3}" font-size="10" fill="#333">${row.ratioToC.toFixed(2)}</text>`,
      )
    })
  })
  out.push('</svg>')
  return out.join('\n')
}
