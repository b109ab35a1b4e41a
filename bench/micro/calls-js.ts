/**
 * The cost of one crossing into the binding: CPU time per would-block `read` on an empty unix
 * socket, and per 64-byte `write` + `read` through a socketpair, through the package's exports (taken
 * once, and looked up on the package object per call as CommonJS output of `import { read }` does) and
 * (for comparison) through the bare native functions the exports wrap. `calls.c` makes the same
 * system calls. The two JavaScript forms alternate round by round in one process, so that they see
 * the same machine. `calls-js.ts <rounds> <calls>` prints one JSON object of medians (ns per call).
 * CPU time (`process.cpuUsage`), not wall time: time other processes take from the core is not counted.
 */
import { median, pkg } from './js-fds'

const [roundsArg, callsArg] = process.argv.slice(2)
const rounds = Number(roundsArg)
const calls = Number(callsArg)
const binding = require('../../binding.js')
const [a, b]: [number, number] = pkg.socketpair()
const buf = Buffer.allocUnsafe(64 * 1024)
const msg = Buffer.alloc(64)
let sink = 0

const cpuNs = (): number => {
  const { user, system } = process.cpuUsage()
  return (user + system) * 1000
}

type Loop = () => void
// `read` as user code compiled to CommonJS calls it (`epoll_napi_1.read(...)`: a property load on
// the package's exports every call), and as a binding taken once.
const { read } = pkg as { read: (fd: number, buffer: Buffer) => number }
const loops: Record<string, Loop> = {
  read_eagain_ns: () => {
    for (let i = 0; i < calls; i++) sink += read(a, buf)
  },
  namespace_read_eagain_ns: () => {
    for (let i = 0; i < calls; i++) sink += pkg.read(a, buf)
  },
  native_read_eagain_ns: () => {
    for (let i = 0; i < calls; i++) sink += binding.read(a, buf, 0, buf.length)
  },
  echo_ns: () => {
    for (let i = 0; i < calls; i++) {
      sink += pkg.write(a, msg)
      sink += pkg.read(b, buf)
    }
  },
  native_echo_ns: () => {
    for (let i = 0; i < calls; i++) {
      sink += binding.write(a, msg, 0, msg.length)
      sink += binding.read(b, buf, 0, buf.length)
    }
  },
}

const results: Record<string, number[]> = {}
for (let r = -1; r < rounds; r++) {
  for (const [name, loop] of Object.entries(loops)) {
    const start = cpuNs()
    loop()
    if (r >= 0) (results[name] ??= []).push((cpuNs() - start) / calls)
  }
}
const out: Record<string, number> = {}
for (const [name, values] of Object.entries(results)) out[name] = Number(median(values).toFixed(1))
console.log(JSON.stringify({ ...out, sink: sink % 7 }))
