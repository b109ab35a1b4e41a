/**
 * The echo server written with streams, as a Node programmer writes one: every accepted connection
 * becomes `openStream(fd)` and echoes with `pipeline(stream, stream)`; node:net's contender
 * (node-net.mjs) is the same program over `net.Socket`.
 * Echo-server contract: port argument (0 = any), prints `listening <port>`, exits 0 on SIGTERM.
 */
import { pipeline } from 'node:stream'

import { EPOLLET, EPOLLIN, Epoll, WOULD_BLOCK, accept, close, listenTcp, localAddress, openStream, setNoDelay, type FdStream } from 'epoll-napi'

const listener = listenTcp(Number(process.argv[2] ?? 0), '127.0.0.1', { backlog: 4096 })
const ep = new Epoll()
const streams = new Set<FdStream>()

ep.register(listener, EPOLLIN | EPOLLET, () => {
  for (let fd = accept(listener); fd !== WOULD_BLOCK; fd = accept(listener)) {
    setNoDelay(fd)
    const stream = openStream(fd)
    streams.add(stream)
    // ECONNRESET and the like end the connection; the server goes on.
    pipeline(stream, stream, () => streams.delete(stream))
  }
})

process.stdout.write(`listening ${localAddress(listener).port}\n`)
process.once('SIGTERM', () => {
  for (const stream of streams) stream.destroy()
  close(listener)
  ep.close()
})
