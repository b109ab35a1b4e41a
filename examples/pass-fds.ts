/**
 * A parent that accepts TCP connections and hands each one to a worker process over a unix socket
 * (`sendFds`): the workers serve connections they never accepted, on fds they received
 * (`recvFds`). This is how a supervisor can restart workers without closing its listening socket, or
 * keep privileges the workers do not have.
 *
 *   node --import tsx examples/pass-fds.ts [workers] [port]   # prints `listening <port>`; each connection
 *                                                             # gets one line echoed back by a worker
 *   node --import tsx examples/pass-fds.ts --self-test         # 2 workers, 6 connections, prints JSON
 *
 * Each worker answers one line per connection with `worker <n> (pid <pid>): <line>` and closes it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'

import {
  accept,
  close,
  Epoll,
  EPOLLIN,
  listenTcp,
  localAddress,
  read,
  recvFds,
  sendFds,
  socketpair,
  WOULD_BLOCK,
  write,
} from '../index.js'

/** In a worker, fd 3 is its end of the socket pair the parent sends connections over. */
const PARENT_FD = 3

function worker(n: number): void {
  const ep = new Epoll()
  const scratch = Buffer.alloc(4096)
  ep.register(PARENT_FD, EPOLLIN, () => {
    for (let got = recvFds(PARENT_FD, Buffer.alloc(64)); got !== null; got = recvFds(PARENT_FD, Buffer.alloc(64))) {
      if (got.bytes === 0) {
        // The parent closed its end: no more connections will come.
        ep.close()
        return
      }
      for (const conn of got.fds) {
        ep.register(conn, EPOLLIN, () => {
          const length = read(conn, scratch)
          if (length === WOULD_BLOCK) return
          if (length > 0) write(conn, Buffer.from(`worker ${n} (pid ${process.pid}): ${scratch.toString('utf8', 0, length)}`))
          ep.unregister(conn)
          close(conn)
        })
      }
    }
  })
}

/** Starts `count` workers and the listening socket; `stop()` closes everything and waits for the workers. */
export function startParent(count: number, port = 0) {
  const ep = new Epoll()
  const workers: { socket: number; child: ChildProcess }[] = []
  for (let n = 0; n < count; n++) {
    const [mine, theirs] = socketpair()
    const child = spawn(process.execPath, [...process.execArgv, __filename, '--worker', String(n)], {
      stdio: ['ignore', 'inherit', 'inherit', theirs],
    })
    close(theirs)
    workers.push({ socket: mine, child })
  }
  const listener = listenTcp(port)
  let next = 0
  ep.register(listener, EPOLLIN, () => {
    for (let conn = accept(listener); conn !== WOULD_BLOCK; conn = accept(listener)) {
      // Round robin; the worker gets its own copy, so the parent closes its one at once.
      sendFds(workers[next++ % workers.length].socket, [conn])
      close(conn)
    }
  })
  return {
    port: localAddress(listener).port,
    pids: workers.map((w) => w.child.pid!),
    async stop() {
      ep.close()
      close(listener)
      const exits = workers.map((w) => once(w.child, 'exit'))
      for (const w of workers) close(w.socket)
      return Promise.all(exits)
    },
  }
}

async function ask(port: number, line: string): Promise<string> {
  const socket = connect({ port, host: '127.0.0.1' })
  await once(socket, 'connect')
  socket.end(line)
  let reply = ''
  for await (const chunk of socket) reply += chunk
  return reply
}

async function selfTest(): Promise<void> {
  const parent = startParent(2)
  const replies: string[] = []
  for (let i = 0; i < 6; i++) replies.push(await ask(parent.port, `hello ${i}`))
  const exits = await parent.stop()
  console.log(JSON.stringify({ parent: process.pid, workers: parent.pids, replies, exits }))
}

if (require.main === module) {
  const args = process.argv.slice(2)
  if (args[0] === '--worker') {
    worker(Number(args[1]))
  } else if (args[0] === '--self-test') {
    void selfTest()
  } else {
    const parent = startParent(Number(args[0] ?? 2), Number(args[1] ?? 0))
    console.log(`listening ${parent.port} (workers ${parent.pids.join(', ')})`)
    const stop = () => void parent.stop().then(() => process.exit(0))
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  }
}
