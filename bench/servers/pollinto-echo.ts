/**
 * A bench-only stand-in for examples/echo-server.ts, used to validate the harness before the example
 * existed: the classic blocking level-triggered loop on `pollInto`. The results table uses the
 * package's examples; this runs only with `npm run bench -- --only standin,...`.
 * Echo-server contract: port argument (0 = any), prints `listening <port>`, exits on SIGTERM.
 */
import { Epoll, EPOLLIN, EPOLLOUT, WOULD_BLOCK, accept, close, listenTcp, localAddress, read, setNoDelay, write } from '../..'

const listener = listenTcp(Number(process.argv[2] ?? 0), '127.0.0.1', { backlog: 4096 })
const ep = new Epoll()
ep.register(listener, EPOLLIN)
const out = new Uint32Array(2 * 1024)
const buf = Buffer.alloc(65536)
const pending = new Map<number, Buffer>()
let stop = false
process.on('SIGTERM', () => {
  stop = true
})
process.stdout.write(`listening ${localAddress(listener).port}\n`)

function drop(fd: number): void {
  ep.unregister(fd)
  pending.delete(fd)
  close(fd)
}

function send(fd: number, data: Buffer): void {
  let off = 0
  while (off < data.length) {
    const n = write(fd, data, off)
    if (n === WOULD_BLOCK) {
      pending.set(fd, Buffer.from(data.subarray(off)))
      ep.modify(fd, EPOLLOUT)
      return
    }
    off += n
  }
}

// SIGTERM cannot run its listener while this loop blocks the thread: poll with a timeout and let the
// event loop turn now and then.
function turn(): void {
  const deadline = Date.now() + 100
  while (!stop && Date.now() < deadline) {
    const count = ep.pollInto(out, 50)
    for (let i = 0; i < 2 * count; i += 2) {
      const fd = out[i]
      const events = out[i + 1]
      if (fd === listener) {
        for (let conn = accept(listener); conn !== WOULD_BLOCK; conn = accept(listener)) {
          setNoDelay(conn)
          ep.register(conn, EPOLLIN)
        }
        continue
      }
      try {
        if (events & EPOLLOUT) {
          const rest = pending.get(fd)!
          pending.delete(fd)
          ep.modify(fd, EPOLLIN)
          send(fd, rest)
          continue
        }
        const n = read(fd, buf)
        if (n === WOULD_BLOCK) continue
        if (n === 0) drop(fd)
        else send(fd, buf.subarray(0, n))
      } catch {
        drop(fd)
      }
    }
  }
  if (stop) process.exit(0)
  setImmediate(turn)
}
turn()
