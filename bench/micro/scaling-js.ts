/**
 * Poll cost of epoll-napi's `pollInto(out, 0)` with 1 ready fd and `idle` idle registrations. The
 * idle eventfds are registered into this instance by the C helper (`scaling hold`), which gets the
 * epoll fd as its fd 3 and parks them in holder processes: this process may only open 20,000 fds.
 * `scaling-js.ts <scaling binary> <idle> <rounds> <polls>` prints {"ns_per_poll": median}.
 */
import { spawn } from 'node:child_process'
import { median, openFds, pkg } from './js-fds'

async function main(): Promise<void> {
  const [binary, idleArg, roundsArg, pollsArg] = process.argv.slice(2)
  const idle = Number(idleArg)
  const rounds = Number(roundsArg)
  const polls = Number(pollsArg)
  const ep = new pkg.Epoll()
  const ready = openFds(1)
  ep.register(ready.fds[0], pkg.EPOLLIN)
  let helper: ReturnType<typeof spawn> | undefined
  if (idle > 0) {
    helper = spawn(binary, ['hold', String(idle)], { stdio: ['pipe', 'pipe', 'inherit', ep.fd] })
    await new Promise<void>((resolve, reject) => {
      let text = ''
      helper!.stdout!.on('data', (chunk) => {
        text += chunk
        if (text.includes('ready')) resolve()
      })
      helper!.on('exit', (code) => reject(new Error(`scaling hold exited (${code})`)))
    })
  }
  const out = new Uint32Array(2 * 64)
  const perPoll: number[] = []
  for (let r = -1; r < rounds; r++) {
    const start = process.hrtime.bigint()
    for (let p = 0; p < polls; p++) {
      if (ep.pollInto(out, 0) !== 1) throw new Error('expected exactly one ready fd')
    }
    if (r >= 0) perPoll.push(Number(process.hrtime.bigint() - start) / polls)
  }
  helper?.stdin!.end()
  helper?.removeAllListeners('exit')
  ep.close()
  ready.close()
  console.log(JSON.stringify({ ns_per_poll: Number(median(perPoll).toFixed(2)), idle }))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
