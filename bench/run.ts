/**
 * `npm run bench -- --help` for the flags. `npm run bench [-- --quick] [-- --only c,node-net] [-- --no-echo] [-- --no-micro] [-- --update-readme]
 *  [-- --reps 9] [-- --duration 1] [-- --nice -10]`
 *
 * Builds what it needs, runs the echo ping-pong and the micro-benchmarks (loopback only, every child
 * under a deadline), prints the tables and writes them to `bench/results/` (a `--quick` smoke run
 * writes to `bench/results/quick/` instead, and a run with --only/--no-* to `bench/results/partial/`, so
 * that neither replaces the committed results).
 * `--update-readme` (full runs only) also replaces the echo table between the README's
 * `<!-- bench:echo:start -->` and `<!-- bench:echo:end -->` markers.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release } from 'node:os'
import { join } from 'node:path'
import { addBaseline, runEcho, selectContenders, type Scenario } from './echo'
import { BENCH, ROOT, buildAll } from './lib/build'
import { echoMarkdown, echoRows, echoSvg, microMarkdown, type MicroTable } from './lib/report'
import { perfAvailable } from './lib/cost'
import { runMicro } from './micro'
import { addAcceptBaseline, runAccept } from './accept'
import { targetsMarkdown } from './targets'
import { addUdpBaseline, runUdp } from './udp'

interface Args {
  quick: boolean
  /** Echo repetitions and measured seconds per run, overriding the mode's defaults. */
  reps?: number
  durationS?: number
  only?: Set<string>
  /** `nice -n` for servers and load generator (negative: other load on the machine takes less of their core). */
  nice?: number
  echo: boolean
  micro: boolean
  updateReadme: boolean
  udp?: boolean
  /** Count system calls, task-clock and context switches with perf stat (off: --no-perf). */
  perf: boolean
  /** UDP contenders to run (a name also selects its `@base` twin); all when absent. */
  udpOnly?: Set<string>
  /** Another built checkout whose epoll-napi servers run beside ours as `<id>@base`. */
  baseline?: string
  /** Run the accept benchmark (`--no-accept` skips it). */
  accept?: boolean
}

const HELP = `npm run bench [-- flags]

Runs the echo ping-pong (bench/echo.ts: C epoll, C io_uring, every epoll-napi server and the other
runtimes), the micro-benchmarks and the UDP echo (bench/udp.ts), interleaved and repeated, and prints
for every contender: round trips (datagrams)/s, CPU per request, system calls per request by name
(perf stat on the syscall tracepoints of the server's pid over the measured window), involuntary
context switches per request (the flag for runs disturbed by other load) and medians over the
undisturbed repetitions, with ratios to C measured in the same repetition.

A short version (a few minutes):
  npm run bench -- --quick --no-micro                  every contender, 1 repetition, 0.3 s windows
  npm run bench -- --no-micro --no-udp --only c,c-uring,blocking,handlers,plain-et,batch --reps 3 --duration 0.5
                                                       the epoll-napi servers against both C servers

Flags:
  --quick              1 repetition, short windows; writes bench/results/quick/
  --reps N             repetitions (default 9 echo, 5 UDP)
  --duration S         measured seconds per run (default 1; UDP 1.5)
  --only id,id         echo contenders: c, c-uring, blocking, handlers, plain-et, batch, stream, python, node-net,
                       npm-epoll, bun, deno (writes bench/results/partial/)
  --udp-only id,id     UDP contenders: c-mmsg, c-single, ours-batch, ours-single, ours-iter, ours-iter-views, python, node-dgram,
                       bun, deno-dgram, deno-unstable
  --no-echo --no-micro --no-udp --no-accept   leave a part out (--no-accept: the 10,000-connection accept run, bench/accept.ts)
  --no-perf            do not run perf stat (no system call counts; CPU from /proc only)
  --baseline DIR       also run the epoll-napi servers of another built checkout (say, main) as
                       <id>@base, interleaved with ours: before/after in the same run
  --nice N             run servers and load generator at nice N
  --update-readme      full runs only: replace the README's echo and UDP tables
  --help               this text
`

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, echo: true, micro: true, updateReadme: false, perf: true }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--quick') args.quick = true
    else if (flag === '--no-echo') args.echo = false
    else if (flag === '--no-micro') args.micro = false
    else if (flag === '--no-udp') args.udp = false
    else if (flag === '--no-accept') args.accept = false
    else if (flag === '--no-perf') args.perf = false
    else if (flag === '--baseline') args.baseline = argv[++i]
    else if (flag === '--udp-only') args.udpOnly = new Set((argv[++i] ?? '').split(','))
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(HELP)
      process.exit(0)
    }
    else if (flag === '--update-readme') args.updateReadme = true
    else if (flag === '--reps') args.reps = positive(flag, argv[++i])
    else if (flag === '--duration') args.durationS = positive(flag, argv[++i])
    else if (flag === '--nice') args.nice = Number(argv[++i])
    else if (flag === '--only') args.only = new Set((argv[++i] ?? '').split(','))
    else throw new Error(`unknown flag ${flag} (npm run bench -- --help lists them)`)
  }
  return args
}

function positive(flag: string, value: string | undefined): number {
  const n = Number(value)
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${flag} needs a positive number, got ${value}`)
  return n
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const started = Date.now()
  const loadBefore = loadavg()[0]
  if (args.perf) {
    const perf = await perfAvailable()
    if (!perf.ok) {
      log(`bench: perf stat cannot count syscall tracepoints here (${perf.why}); no system call counts (install linux-perf, run as root or lower kernel.perf_event_paranoid)`)
      args.perf = false
    }
  }
  if (args.baseline) {
    addBaseline(args.baseline)
    addUdpBaseline(args.baseline)
    addAcceptBaseline(args.baseline)
  }
  const build = await buildAll(log)
  if (build.failures.has('loadgen')) throw new Error(`cannot benchmark without the load generator:\n${build.failures.get('loadgen')}`)

  const settings = args.quick
    ? { reps: 1, warmupS: 0.1, durationS: 0.3, spreadConnections: [1, 50, 1000], sameCoreConnections: [1, 50] }
    : { reps: 9, warmupS: 0.3, durationS: 1, spreadConnections: [1, 50, 1000], sameCoreConnections: [1, 50] }
  if (args.reps !== undefined) settings.reps = Math.round(args.reps)
  if (args.durationS !== undefined) settings.durationS = args.durationS
  const scenarios: Scenario[] = [
    ...settings.spreadConnections.map((connections) => ({ mode: 'spread' as const, connections })),
    ...settings.sameCoreConnections.map((connections) => ({ mode: 'same-core' as const, connections })),
  ]

  const sections: string[] = []
  const raw: Record<string, unknown> = { settings, build: Object.fromEntries(build.failures) }
  let svg = ''
  let echoTable = ''
  const contenders = selectContenders(args.only)
  if (args.echo) {
    const run = await runEcho({ ...settings, nice: args.nice, only: args.only, perf: args.perf, log })
    for (const [id, why] of build.failures) if (id === 'npm-epoll') run.unavailable.set('npm-epoll', `build failed: ${why.split('\n')[0]}`)
    const rows = echoRows(run, contenders, scenarios)
    raw.echo = run.samples
    echoTable = echoMarkdown(rows, run, contenders)
    sections.push(
      '### Echo ping-pong',
      '',
      `64-byte messages, each connection waits for its whole echo (every byte checked) before sending again; ` +
        `${settings.reps} repetition(s) of ${settings.durationS} s after ${settings.warmupS} s of warm-up, contenders interleaved within ` +
        `each repetition (the order rotates), medians${args.nice ? `; servers and load generator at nice ${args.nice}` : ''}. ` +
        `× C: median over repetitions of rt/s ÷ the C server's rt/s in the same repetition, with the smallest and largest of those ratios. ` +
        `"same core": server and load generator both pinned with \`taskset -c 0\`, so rt/s compares CPU efficiency. ` +
        `Server CPU: utime + stime of the server process over the measured window, per round trip; CPU/rt × C: its ` +
        `median ratio to C's in the same repetition (lower is better; less disturbed by other load than rt/s). ` +
        `Load generator busy: its own CPU time ÷ the window; near 100% it is as busy as it can be, so at 50 and 1,000 ` +
        `connections on two cores a server as fast as C shares the limit with it, and the same-core rows are the fairer comparison.`,
      '',
      echoTable,
    )
    svg = echoSvg(rows, contenders, scenarios, `${args.quick ? 'quick smoke run, ' : ''}${new Date().toISOString().slice(0, 16)}Z, ${cpus().length} CPUs, Linux ${release()}`)
  }
  if (args.micro) {
    const tables: MicroTable[] = await runMicro({ quick: args.quick, log })
    raw.micro = tables
    for (const table of tables) sections.push('', microMarkdown(table))
  }
  const partialRun = args.only !== undefined || args.udpOnly !== undefined || !args.echo || !args.micro || args.udp === false
  if (args.udp !== false) sections.push('', ...(await runUdp({ ...args, partial: partialRun, log })))
  if (args.accept !== false) sections.push('', ...(await runAccept({ quick: args.quick, reps: args.reps, log })))

  const header = [
    `## Benchmark results${args.quick ? ' (quick smoke run: short and noisy, not for comparison)' : ''}`,
    '',
    `${new Date().toISOString().slice(0, 19)}Z · ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length} · Linux ${release()} · ` +
      `Node ${process.versions.node} · load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after · ` +
      `${Math.round((Date.now() - started) / 1000)} s`,
    '',
  ]
  // Only a full run with every part replaces the committed results.
  const partial = args.only !== undefined || !args.echo || !args.micro
  const dir = join(BENCH, 'results', ...(args.quick ? ['quick'] : partial ? ['partial'] : []))
  mkdirSync(dir, { recursive: true })
  // The issues' targets, from this run's samples (the UDP part wrote its own beside them).
  const udpRaw = join(BENCH, 'results', ...(args.quick ? ['quick'] : partialRun ? ['partial'] : []), 'udp-raw.json')
  const udpSamples = args.udp !== false && existsSync(udpRaw) ? JSON.parse(readFileSync(udpRaw, 'utf8')).samples : []
  sections.push('', targetsMarkdown((raw.echo as never[]) ?? [], udpSamples, (raw.micro as never[]) ?? []))
  const markdown = [...header, ...sections, ''].join('\n')
  writeFileSync(join(dir, 'results.md'), markdown)
  writeFileSync(join(dir, 'raw.json'), `${JSON.stringify(raw, null, 1)}\n`)
  if (svg) writeFileSync(join(dir, 'echo.svg'), `${svg}\n`)
  process.stdout.write(`\n${markdown}\n`)
  log(`bench: wrote ${dir}/results.md${svg ? ', echo.svg' : ''} and raw.json`)
  if (args.updateReadme) {
    if (args.quick || partial) log('bench: --update-readme needs a full run with every contender; README left alone')
    else updateReadme(`${header[2]}\n\n${echoTable}`)
  }
}

/** Replaces what is between the README's echo markers; leaves the README alone if they are missing. */
function updateReadme(content: string): void {
  const path = join(ROOT, 'README.md')
  const readme = readFileSync(path, 'utf8')
  const start = '<!-- bench:echo:start -->'
  const end = '<!-- bench:echo:end -->'
  const from = readme.indexOf(start)
  const to = readme.indexOf(end)
  if (from < 0 || to < from) return log('bench: README has no bench:echo markers; left alone')
  writeFileSync(path, `${readme.slice(0, from + start.length)}\n${content}\n${readme.slice(to)}`)
  log('bench: updated the echo table in README.md')
}

main().catch((error) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? error}\n`)
  process.exit(1)
})
