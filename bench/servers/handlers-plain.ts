/**
 * The edge-triggered echo server a user writes from the README, with no tuning: register the
 * listener with a handler, accept until WOULD_BLOCK, and for every connection read until WOULD_BLOCK,
 * writing each chunk straight back (keeping what does not fit for the next EPOLLOUT edge). Unlike
 * examples/echo-server-handlers.ts it pays the last read that only says "would block".
 * Echo-server contract: port argument (0 = any), prints `listening <port>`, exits 0 on SIGTERM.
 */
import { EPOLLET, EPOLLIN, EPOLLOUT, Epoll, WOULD_BLOCK, accept, close, listenTcp, localAddress, read, write } from 'epoll-napi'

const listener = listenTcp(Number(process.argv[2] ?? 0), '127.0.0.1', { backlog: 4096 })
const ep = new Epoll()
const buf = Buffer.allocUnsafe(64 * 1024)
const pending = new Map<number, Buffer>()
const connections = new Set<number>()

function hangUp(fd: number): void {
  ep.unregister(fd)
  close(fd)
  pending.delete(fd)
  connections.delete(fd)
}

/** Writes `data`; returns what did not fit. */
function send(fd: number, data: Buffer): Buffer | undefined {
  let offset = 0
  while (offset < data.length) {
    const n = write(fd, data, offset)
    if (n === WOULD_BLOCK) return Buffer.from(data.subarray(offset))
    offset += n
  }
  return undefined
}

function onConnection(_events: number, fd: number): void {
  try {
    const rest = pending.get(fd)
    if (rest !== undefined) {
      const left = send(fd, rest)
      if (left !== undefined) return void pending.set(fd, left)
      pending.delete(fd)
    }
    for (;;) {
      const n = read(fd, buf)
      if (n === WOULD_BLOCK) return
      if (n === 0) return hangUp(fd)
      const left = send(fd, buf.subarray(0, n))
      if (left !== undefined) return void pending.set(fd, left)
    }
  } catch {
    hangUp(fd) // ECONNRESET, EPIPE
  }
}

ep.register(listener, EPOLLIN | EPOLLET, () => {
  for (let fd = accept(listener); fd !== WOULD_BLOCK; fd = accept(listener)) {
    connections.add(fd)
    ep.register(fd, EPOLLIN | EPOLLOUT | EPOLLET, onConnection)
  }
})

process.stdout.write(`listening ${localAddress(listener).port}\n`)
process.once('SIGTERM', () => {
  for (const fd of connections) close(fd)
  close(listener)
  ep.close()
})
