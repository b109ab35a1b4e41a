/**
 * The seed's Python echo server (bench/servers/echo.py: `socket` + `select.epoll`) rewritten with
 * epoll-napi's `Socket`, almost line for line: the same objects, the same calls, the same loop. Where
 * Python raises `BlockingIOError`, `accept()`/`recv()`/`send()` return `null`; where Python blocks in
 * `ep.poll()`, this loop awaits the next batch of events (`for await`), so SIGTERM still arrives.
 *
 *   node --import tsx examples/echo-server-sockets.ts [port]     # 0 (the default) picks a free port
 *
 * Echo-server contract (examples/echo-check.ts, `npm run example:echo-sockets`): prints
 * `listening <port>`, echoes every byte, exits with code 0 on SIGTERM.
 */
import { EPOLLIN, EPOLLOUT, Epoll, IPPROTO_TCP, SO_REUSEADDR, Socket, SOL_SOCKET, TCP_NODELAY } from 'epoll-napi'

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 0)
  const server = new Socket('IPv4', 'stream')
  server.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
  server.bind({ address: '127.0.0.1', port })
  server.listen(4096)
  server.setBlocking(false)
  const ep = new Epoll()
  process.once('SIGTERM', () => ep.close()) // ends the for await below
  ep.register(server, EPOLLIN)
  const conns = new Map<number, Socket>()
  const pending = new Map<number, Buffer>()
  console.log(`listening ${(server.localAddress() as { port: number }).port}`)
  for await (const batch of ep) {
    for (const [fd, events] of batch) {
      if (fd === server.fileno()) {
        for (let accepted = server.accept(); accepted !== null; accepted = server.accept()) {
          const [conn] = accepted
          conn.setBlocking(false)
          conn.setOption(IPPROTO_TCP, TCP_NODELAY, 1)
          conns.set(conn.fileno(), conn)
          ep.register(conn, EPOLLIN)
        }
        continue
      }
      const conn = conns.get(fd)!
      try {
        if (events & EPOLLOUT) {
          const data = pending.get(fd)!
          pending.delete(fd)
          const sent = conn.send(data) ?? 0
          if (sent < data.length) {
            pending.set(fd, data.subarray(sent))
          } else {
            ep.modify(conn, EPOLLIN)
          }
          continue
        }
        const data = conn.recv(65536)
        if (data === null) continue
        if (data.length === 0) throw new Error('ECONNRESET')
        const sent = conn.send(data) ?? 0
        if (sent < data.length) {
          pending.set(fd, data.subarray(sent))
          ep.modify(conn, EPOLLOUT)
        }
      } catch {
        conns.get(fd)!.close() // also unregisters it from ep
        conns.delete(fd)
        pending.delete(fd)
      }
    }
  }
  for (const conn of conns.values()) conn.close()
  server.close()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
