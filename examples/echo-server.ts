/**
 * The classic level-triggered epoll echo server, as in Python's epoll tutorials, written entirely with
 * epoll-napi: register the listener for EPOLLIN, accept, read, write back (switching to EPOLLOUT while
 * the client is slow to read), unregister and close on hang-up.
 *
 *   node --import tsx examples/echo-server.ts [port]     # port 0 (the default) picks a free one
 *
 * Prints `listening <port>` once it accepts connections and exits with code 0 on SIGTERM/SIGINT.
 *
 * The loop blocks its thread in `epoll_wait`, so it runs in a worker: the main thread stays free to
 * receive signals (Node delivers them on its event loop) and stops the loop through an eventfd.
 * `multicore-echo.ts` runs one loop per core with this file's `serve`.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads'

import {
  EPOLLERR,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  Epoll,
  WOULD_BLOCK,
  accept,
  close,
  eventfd,
  listenTcp,
  localAddress,
  read,
  write,
  writeCounter,
} from 'epoll-napi'
import { startWorker } from './worker.js'

export interface ServeOptions {
  port: number
  host?: string
  /** Share the port with other loops (multicore-echo.ts). */
  reusePort?: boolean
  /** An eventfd: the loop ends when it becomes readable. */
  stopFd: number
}

/** Bytes a client sent that it has not read back yet (its socket buffer was full). */
interface Backlog {
  data: Buffer
  written: number
}

/**
 * Runs the echo loop in the calling thread until `stopFd` is signalled; calls `onListening(port)` once
 * it accepts connections. Returns how many connections it accepted.
 */
export function serve(options: ServeOptions, onListening: (port: number) => void): number {
  const listener = listenTcp(options.port, options.host, { reusePort: options.reusePort, backlog: 4096 })
  const ep = new Epoll()
  ep.register(listener, EPOLLIN)
  ep.register(options.stopFd, EPOLLIN)
  onListening(localAddress(listener).port)

  // Reused for every read and every poll: the loop allocates only when a client falls behind.
  const chunk = Buffer.allocUnsafe(64 * 1024)
  const events = new Uint32Array(2 * 1024)
  /** By fd: an array, because fds are small integers and this is looked up on every event. */
  const backlogs: (Backlog | undefined)[] = []
  const connections = new Set<number>()
  let accepted = 0

  const hangUp = (fd: number): void => {
    ep.unregister(fd)
    close(fd)
    connections.delete(fd)
    backlogs[fd] = undefined
  }

  /** Writes what is left of a backlog; true once it is all written. */
  const flush = (fd: number, backlog: Backlog): boolean => {
    while (backlog.written < backlog.data.length) {
      const n = write(fd, backlog.data, backlog.written)
      if (n === WOULD_BLOCK) return false
      backlog.written += n
    }
    return true
  }

  for (;;) {
    const count = ep.pollInto(events)
    for (let i = 0; i < count; i++) {
      const fd = events[2 * i]
      const ready = events[2 * i + 1]
      if (fd === options.stopFd) {
        for (const conn of connections) close(conn)
        close(listener)
        ep.close()
        return accepted
      }
      if (fd === listener) {
        // Level-triggered: whatever is still queued after this batch is reported again next poll.
        for (let conn = accept(listener); conn !== WOULD_BLOCK; conn = accept(listener)) {
          ep.register(conn, EPOLLIN)
          connections.add(conn)
          accepted++
        }
        continue
      }
      try {
        const backlog = backlogs[fd]
        if (backlog !== undefined) {
          // EPOLLOUT: the client reads again. Write the rest, then listen to it again.
          if (flush(fd, backlog)) {
            backlogs[fd] = undefined
            ep.modify(fd, EPOLLIN)
          }
          continue
        }
        if (ready & EPOLLIN) {
          const n = read(fd, chunk)
          if (n === WOULD_BLOCK) continue
          if (n === 0) {
            hangUp(fd) // the client is done: everything it sent was echoed already
            continue
          }
          // Most writes complete at once; only a client that does not read makes us wait for EPOLLOUT
          // (and stop reading from it meanwhile: that is the backpressure).
          let written = 0
          while (written < n) {
            const w = write(fd, chunk, written, n - written)
            if (w === WOULD_BLOCK) break
            written += w
          }
          if (written < n) {
            backlogs[fd] = { data: Buffer.from(chunk.subarray(written, n)), written: 0 }
            ep.modify(fd, EPOLLOUT)
          }
        } else if (ready & (EPOLLHUP | EPOLLERR)) {
          hangUp(fd)
        }
      } catch (error) {
        // ECONNRESET, EPIPE: the client vanished. Anything else is a bug worth seeing.
        const code = (error as { code?: string }).code
        if (code !== 'ECONNRESET' && code !== 'EPIPE') throw error
        hangUp(fd)
      }
    }
  }
}

/** Starts `threads` loops (sharing the port through SO_REUSEPORT when more than one), prints `listening <port>`. */
export async function main(threads: number): Promise<void> {
  const requested = Number(process.argv[2] ?? 0)
  const stopFd = eventfd()
  const workers = []
  let port = requested
  for (let i = 0; i < threads; i++) {
    // The first loop binds (port 0 picks one); the others join it on that port.
    const worker = startWorker(__filename, { port, reusePort: threads > 1, stopFd } satisfies ServeOptions)
    worker.on('error', (error) => {
      console.error(error)
      process.exit(1)
    })
    port = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    workers.push(new Promise<number>((resolve) => worker.once('message', resolve)))
  }
  console.log(`listening ${port}`)
  const stop = (): void => {
    writeCounter(stopFd) // every loop sees the eventfd readable and returns
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  const accepted = await Promise.all(workers)
  close(stopFd)
  // ECHO_STATS=1: how the kernel spread the connections over the loops (stderr; stdout has one line).
  if (process.env.ECHO_STATS) console.error(`accepted per loop: ${accepted.join(' ')}`)
}

if (!isMainThread && workerData?.file === __filename) {
  const accepted = serve(workerData.data as ServeOptions, (port) => parentPort!.postMessage(port))
  parentPort!.postMessage(accepted)
} else if (require.main === module) {
  main(1).catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
