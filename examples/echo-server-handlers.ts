/**
 * The echo server of `echo-server.ts`, edge-triggered and on the Node event loop: every fd has a
 * handler that epoll-napi runs when the fd becomes ready, so the main thread stays free for timers,
 * signals and anything else Node does.
 *
 *   node --import tsx examples/echo-server-handlers.ts [port]   # port 0 (the default) picks a free one
 *
 * Prints `listening <port>` once it accepts connections and exits with code 0 on SIGTERM/SIGINT.
 *
 * Edge-triggered means each readiness is reported once: a handler must drain its fd (accept or read
 * until WOULD_BLOCK) or it will not hear about the rest.
 */
import {
  EPOLLERR,
  EPOLLET,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  Epoll,
  WOULD_BLOCK,
  accept,
  close,
  listenTcp,
  localAddress,
  read,
  write,
} from 'epoll-napi'

const port = Number(process.argv[2] ?? 0)
const listener = listenTcp(port, undefined, { backlog: 4096 })
const ep = new Epoll()

/** The events that say the peer is done or gone: then a short read is no reason to stop reading. */
const ENDING = EPOLLRDHUP | EPOLLHUP | EPOLLERR
/** Shared by every connection: a handler reads into it and writes it back before it returns. */
const chunk = Buffer.allocUnsafe(64 * 1024)
/** Per fd: echo bytes the client has not taken yet (its socket buffer was full). */
const backlogs: (Buffer | undefined)[] = []
const connections = new Set<number>()

function hangUp(fd: number): void {
  ep.unregister(fd)
  close(fd)
  connections.delete(fd)
  backlogs[fd] = undefined
}

/** Writes `data` from `offset`; returns what could not be written yet (or undefined). */
function writeAll(fd: number, data: Buffer, offset: number, end: number): Buffer | undefined {
  while (offset < end) {
    const n = write(fd, data, offset, end - offset)
    if (n === WOULD_BLOCK) return Buffer.from(data.subarray(offset, end))
    offset += n
  }
  return undefined
}

/** Runs on every edge of a connection: finish a pending echo, then read and echo until drained. */
function onConnection(events: number, fd: number): void {
  try {
    const backlog = backlogs[fd]
    if (backlog !== undefined) {
      backlogs[fd] = writeAll(fd, backlog, 0, backlog.length)
      // Still full: the next EPOLLOUT edge brings us back. Unread input stays in the kernel meanwhile.
      if (backlogs[fd] !== undefined) return
    }
    for (;;) {
      const n = read(fd, chunk)
      if (n === WOULD_BLOCK) return
      if (n === 0) return hangUp(fd) // the client is done: everything it sent was echoed already
      backlogs[fd] = writeAll(fd, chunk, 0, n)
      if (backlogs[fd] !== undefined) return
      // A short read emptied the socket's receive queue: with EPOLLET, data (or a FIN) arriving after
      // it raises a new edge, so there is no need to pay one more read just to hear EAGAIN. A FIN that
      // had arrived already shows as EPOLLRDHUP in `events`: then read on, up to the end of file.
      if (n < chunk.length && (events & ENDING) === 0) return
    }
  } catch (error) {
    // ECONNRESET, EPIPE: the client vanished. Anything else is a bug worth seeing.
    const code = (error as { code?: string }).code
    if (code !== 'ECONNRESET' && code !== 'EPIPE') throw error
    hangUp(fd)
  }
}

ep.register(listener, EPOLLIN | EPOLLET, () => {
  for (let fd = accept(listener); fd !== WOULD_BLOCK; fd = accept(listener)) {
    connections.add(fd)
    ep.register(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, onConnection)
  }
})

console.log(`listening ${localAddress(listener).port}`)

function stop(): void {
  for (const fd of connections) close(fd)
  close(listener)
  ep.close() // no handlers left: nothing keeps the event loop alive, the process exits with code 0
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
