/**
 * The micro-benchmarks, each program in its own process: dispatch cost per event, poll cost against
 * idle registrations, wake-up latency from another thread, and memory/fd growth. Every table says
 * what it could not measure and why (for example when the handler API is not in this build yet).
 */
import { join } from 'node:path'
import { BENCH, NPM_EPOLL_DIR, ROOT, cBinary } from './lib/build'
import { runJson } from './lib/proc'
import { type MicroTable } from './lib/report'
import { median, range } from './lib/stats'
import { existsSync } from 'node:fs'

const NODE = process.execPath
const TS = [NODE, '--import', 'tsx']
const micro = (file: string) => join(BENCH, 'micro', file)
const TIMEOUT = 120_000

export interface MicroOptions {
  quick: boolean
  log: (line: string) => void
}

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–'

export async function runMicro(options: MicroOptions): Promise<MicroTable[]> {
  return [await calls(options), await dispatch(options), await scaling(options), await wakeup(options), await memory(options)]
}

interface Variant {
  label: string
  argv: string[] | { unavailable: string }
}

/** Runs every variant `reps` times, interleaved; returns each variant's numbers (or its failure). */
async function interleave<T>(variants: Variant[], reps: number, log: (line: string) => void, what: string) {
  const results = variants.map(() => ({ values: [] as T[], failure: undefined as string | undefined }))
  for (let rep = 0; rep < reps; rep++) {
    for (const [i, variant] of variants.entries()) {
      if (!Array.isArray(variant.argv)) {
        results[i].failure = variant.argv.unavailable
        continue
      }
      if (results[i].failure) continue
      try {
        const json = await runJson<T>(variant.argv, { timeoutMs: TIMEOUT, cwd: ROOT })
        results[i].values.push(json)
        log(`${what}: ${variant.label}: ${JSON.stringify(json)}`)
      } catch (error) {
        results[i].failure = (error as Error).message.split('\n').slice(0, 2).join(' ')
        log(`${what}: ${variant.label}: FAILED ${results[i].failure}`)
      }
    }
  }
  return results
}

async function calls({ quick, log }: MicroOptions): Promise<MicroTable> {
  const [rounds, count, reps] = quick ? ['3', '20000', 1] : ['9', '200000', 5]
  const variants: Variant[] = [
    { label: 'C', argv: [cBinary('micro/calls.c'), rounds, count] },
    { label: 'epoll-napi', argv: [...TS, micro('calls-js.ts'), rounds, count] },
  ]
  type Calls = Record<string, number>
  const [c, ours] = await interleave<Calls>(variants, reps, log, 'calls')
  const row = (label: string, key: string, cKey: string): string[] => {
    const mine = ours.values.map((v) => v[key])
    const ratios = mine.filter((_, rep) => rep < c.values.length).map((v, rep) => v - c.values[rep][cKey])
    const [min, max] = range(ratios)
    return [label, fmt(median(mine), 0), fmt(median(c.values.map((v) => v[cKey])), 0), `${fmt(median(ratios), 0)} (${fmt(min, 0)}–${fmt(max, 0)})`]
  }
  return {
    title: 'Crossing cost: one call into the binding',
    intro:
      `CPU time per call (this process's, so time other load takes from the core is not counted), ${reps} process(es) per side, ` +
      `each the median of ${rounds} rounds of ${Number(count).toLocaleString('en-US')} calls; the JavaScript forms alternate round by round. ` +
      'Over C: median of per-repetition differences (min–max).',
    columns: ['call', 'epoll-napi ns', 'C ns', 'over C ns'],
    rows: [
      row('`read` that would block (empty unix socket), `read` taken once', 'read_eagain_ns', 'read_eagain_ns'),
      row('the same, looked up on the package per call (CommonJS `import { read }`)', 'namespace_read_eagain_ns', 'read_eagain_ns'),
      row('the same, the bare native function (no TypeScript checks)', 'native_read_eagain_ns', 'read_eagain_ns'),
      row('64-byte `write` + `read` through a socketpair', 'echo_ns', 'echo_ns'),
      row('the same, bare native functions', 'native_echo_ns', 'echo_ns'),
    ],
    notes: [c.failure, ours.failure].filter((f): f is string => f !== undefined).map((f) => `not measured: ${f}`),
  }
}

async function dispatch({ quick, log }: MicroOptions): Promise<MicroTable> {
  const count = 10_000
  const kind = 'eventfd'
  const [rounds, polls, reps] = quick ? ['3', '5', 1] : ['7', '20', 5]
  const args = [String(count), rounds, polls]
  const handlerArgv = [...TS, micro('dispatch-js.ts'), 'handler', ...args]
  const npmArgv = existsSync(join(NPM_EPOLL_DIR, 'build', 'Release', 'epoll.node'))
    ? [...TS, micro('dispatch-js.ts'), 'npm-epoll', ...args]
    : { unavailable: 'npm epoll did not build' }
  const variants: Variant[] = [
    { label: 'C `epoll_wait`', argv: [cBinary('micro/dispatch.c'), kind, ...args] },
    { label: 'Python `epoll.poll`', argv: ['python3', micro('dispatch.py'), kind, ...args] },
    { label: 'Python `epoll.poll` + a handler call per event', argv: ['python3', micro('dispatch.py'), kind, ...args, 'handler'] },
    { label: 'epoll-napi `pollInto`', argv: [...TS, micro('dispatch-js.ts'), 'pollInto', ...args] },
    { label: 'epoll-napi `poll`', argv: [...TS, micro('dispatch-js.ts'), 'poll', ...args] },
    { label: 'epoll-napi handlers on the event loop', argv: handlerArgv },
    { label: 'npm `epoll` 4.0.2 callback (10,000 callbacks per round)', argv: npmArgv },
  ]
  const results = await interleave<{ ns_per_event: number }>(variants, reps, log, 'dispatch')
  const c = results[0].values.map((v) => v.ns_per_event)
  const rows = variants.map((variant, i) => {
    const mine = results[i].values.map((v) => v.ns_per_event)
    const ratios = mine.filter((_, rep) => rep < c.length).map((v, rep) => v / c[rep])
    const failed = results[i].failure ? ` (not measured: ${results[i].failure})` : ''
    const [min, max] = range(ratios)
    return [variant.label + failed, fmt(median(mine), 0), `${fmt(median(ratios), 2)} (${fmt(min, 2)}–${fmt(max, 2)})`]
  })
  return {
    title: 'Dispatch: one poll returning 10,000 ready fds',
    intro:
      `${count.toLocaleString('en-US')} level-triggered ${kind}s, all readable; each poll returns all of them and the loop touches every ` +
      `event. ${reps} process(es) per contender, each the median of ${rounds} rounds of ${polls} polls. × C: median of per-repetition ratios.`,
    columns: ['contender', 'ns per event', '× C (min–max)'],
    rows,
    notes: [],
  }
}

async function scaling({ quick, log }: MicroOptions): Promise<MicroTable> {
  const idleCounts = [0, 1_000, 10_000, 100_000]
  const [rounds, polls, reps] = quick ? ['5', '10000', 1] : ['7', '20000', 3]
  const kind = 'eventfd'
  const variants: Variant[] = []
  for (const idle of idleCounts) {
    variants.push({ label: `C ${idle}`, argv: [cBinary('micro/scaling.c'), 'measure', kind, String(idle), rounds, polls] })
    variants.push({ label: `ours ${idle}`, argv: [...TS, micro('scaling-js.ts'), cBinary('micro/scaling.c'), String(idle), rounds, polls] })
  }
  const results = await interleave<{ ns_per_poll: number }>(variants, reps, log, 'scaling')
  const ns = (i: number) => median(results[i].values.map((v) => v.ns_per_poll))
  const rows = idleCounts.map((idle, k) => {
    const c = ns(2 * k)
    const ours = ns(2 * k + 1)
    return [idle.toLocaleString('en-US'), fmt(c), fmt(c / ns(0), 2), fmt(ours), fmt(ours / ns(1), 2)]
  })
  const notes = results.flatMap((r, i) => (r.failure ? [`${variants[i].label}: ${r.failure}`] : []))
  return {
    title: 'Scaling: poll cost with 1 ready fd and many idle registrations',
    intro:
      `One ready ${kind}, plus idle eventfds registered in the same epoll instance and kept open by helper processes ` +
      `(20,000 fds per process here). ns per poll call (timeout 0), median of ${reps} process(es) × ${rounds} rounds of ${polls} polls; ` +
      `× none: relative to 0 idle registrations.`,
    columns: ['idle registrations', 'C `epoll_wait` ns', '× none', 'epoll-napi `pollInto` ns', '× none'],
    rows,
    notes,
  }
}

async function wakeup({ quick, log }: MicroOptions): Promise<MicroTable> {
  const samples = quick ? '500' : '5000'
  const reps = quick ? 1 : 3
  const npmBuilt = existsSync(join(NPM_EPOLL_DIR, 'build', 'Release', 'epoll.node'))
  const variants: Variant[] = [
    {
      label: 'epoll-napi handler',
      argv: [...TS, micro('wakeup-js.ts'), 'ours', samples],
    },
    { label: 'node:net socket on a FIFO (reference: libuv\'s own path)', argv: [...TS, micro('wakeup-js.ts'), 'node-fifo', samples] },
    { label: 'npm `epoll` 4.0.2 callback', argv: npmBuilt ? [...TS, micro('wakeup-js.ts'), 'npm-epoll', samples] : { unavailable: 'npm epoll did not build' } },
  ]
  const results = await interleave<{ p50_us: number; p99_us: number }>(variants, reps, log, 'wake-up')
  const npmIndex = variants.length - 1
  const p50 = (i: number) => median(results[i].values.map((v) => v.p50_us))
  const p99 = (i: number) => median(results[i].values.map((v) => v.p99_us))
  const rows = variants.map((variant, i) => {
    const failed = results[i].failure ? ` (not measured: ${results[i].failure})` : ''
    return [variant.label + failed, fmt(p50(i), 1), fmt(p99(i), 1), fmt(p50(i) / p50(npmIndex), 2)]
  })
  return {
    title: 'Wake-up latency: eventfd written by another thread → JS callback',
    intro:
      `A worker thread stamps the monotonic clock and writes an eventfd; the main thread's callback reads the clock. ` +
      `${samples} wake-ups per process after warm-up, ${reps} process(es), medians of p50 and p99.`,
    columns: ['contender', 'p50 µs', 'p99 µs', 'p50 × npm `epoll`'],
    rows,
    notes: [],
  }
}

async function memory({ quick, log }: MicroOptions): Promise<MicroTable> {
  const [cycles, instances] = quick ? ['100000', '10000'] : ['1000000', '100000']
  const variants: Variant[] = [{ label: 'epoll-napi', argv: [NODE, '--expose-gc', '--import', 'tsx', micro('memory-js.ts'), cycles, instances] }]
  const [result] = await interleave<Record<string, number>>(variants, 1, log, 'memory')
  const v = result.values[0]
  const rows = v
    ? [
        [`${Number(cycles).toLocaleString('en-US')} register/modify/unregister cycles`, fmt(v.cycles_rss_growth_mb, 2), String(v.cycles_fd_growth)],
        [`${Number(instances).toLocaleString('en-US')} instances created and dropped (no close)`, fmt(v.instances_rss_growth_mb, 2), String(v.instances_fd_growth)],
      ]
    : [['(not measured)', '–', '–']]
  return {
    title: 'Memory: growth after many operations',
    intro:
      'RSS and open-fd growth after garbage collection (`--expose-gc`; instances are dropped without `close()`, and `gc()` runs every 5,000 ' +
      'so that their fds can be finalized before the 20,000-fd limit).',
    columns: ['workload', 'RSS growth MB', 'fd growth'],
    rows,
    notes: result.failure ? [`not measured: ${result.failure}`] : [],
  }
}
