/**
 * Dispatch cost of epoll-napi: one poll returning `count` ready level-triggered fds.
 * `dispatch-js.ts <pollInto|poll|handler> <count> <rounds> <polls>` prints {"ns_per_event": median}.
 * - pollInto: `pollInto(out, 0)` and a loop over the Uint32Array, as a blocking dispatcher does;
 * - poll: `poll(0, count)` and a loop over the `[fd, events]` tuples;
 * - handler: one handler per fd on the event loop; level-triggered, so every loop turn delivers all;
 * - npm-epoll: the npm `epoll` package's callback (its thread hands over one event per round trip),
 *   timed over `count` callbacks per round (`polls` is ignored: it would take minutes).
 */
import { join } from 'node:path'
import { median, openFds, pkg } from './js-fds'

const [variant, countArg, roundsArg, pollsArg] = process.argv.slice(2)
const count = Number(countArg)
const rounds = Number(roundsArg)
const polls = Number(pollsArg)
const { kind, fds } = openFds(count)
const ep = new pkg.Epoll()
let sink = 0

function report(perEvent: number[]): void {
  console.log(JSON.stringify({ ns_per_event: Number(median(perEvent).toFixed(2)), kind, count, sink: sink % 7 }))
}

if (variant === 'pollInto' || variant === 'poll') {
  for (const fd of fds) ep.register(fd, pkg.EPOLLIN)
  const out = new Uint32Array(2 * count)
  const perEvent: number[] = []
  for (let r = -1; r < rounds; r++) {
    const start = process.hrtime.bigint()
    let total = 0
    for (let p = 0; p < polls; p++) {
      if (variant === 'pollInto') {
        const n = ep.pollInto(out, 0)
        for (let i = 0; i < 2 * n; i += 2) sink += out[i] ^ out[i + 1]
        total += n
      } else {
        const events = ep.poll(0, count)
        for (const [fd, ev] of events) sink += fd ^ ev
        total += events.length
      }
    }
    if (total !== polls * count) throw new Error(`expected ${polls * count} events, got ${total}`)
    if (r >= 0) perEvent.push(Number(process.hrtime.bigint() - start) / total)
  }
  ep.close()
  report(perEvent)
} else if (variant === 'handler') {
  // Each round: `polls` loop turns' worth of events, i.e. polls × count handler calls.
  const perEvent: number[] = []
  let calls = 0
  let round = -1
  let start = process.hrtime.bigint()
  const onEvent = (events: number, fd: number) => {
    sink += fd ^ events
    if (++calls < polls * count) return
    if (round >= 0) perEvent.push(Number(process.hrtime.bigint() - start) / calls)
    calls = 0
    if (++round === rounds) {
      ep.close()
      report(perEvent)
      return
    }
    start = process.hrtime.bigint()
  }
  for (const fd of fds) ep.register(fd, pkg.EPOLLIN, onEvent)
} else if (variant === 'npm-epoll') {
  const { Epoll } = require(join(__dirname, '..', '.deps', 'node_modules', 'epoll'))
  const perEvent: number[] = []
  let calls = 0
  let round = -1
  let start = process.hrtime.bigint()
  const poller = new Epoll((err: Error | null, fd: number, events: number) => {
    if (err) throw err
    sink += fd ^ events
    if (++calls < count) return
    if (round >= 0) perEvent.push(Number(process.hrtime.bigint() - start) / calls)
    calls = 0
    if (++round === rounds) {
      poller.close()
      report(perEvent)
      return
    }
    start = process.hrtime.bigint()
  })
  for (const fd of fds) poller.add(fd, Epoll.EPOLLIN)
} else {
  throw new Error(`unknown variant ${variant}`)
}
