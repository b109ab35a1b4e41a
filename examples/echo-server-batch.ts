/**
 * The blocking echo server of `echo-server.ts` with the batch calls: per loop turn, one `pollRead`
 * waits and reads every ready connection into its own slot of one buffer, and one `writeSlots`
 * writes every slot back. Two calls into the binding per batch of events, instead of one poll plus a
 * `read` and a `write` per event; the system calls are the same.
 *
 *   node --import tsx examples/echo-server-batch.ts [port]     # port 0 (the default) picks a free one
 *
 * Prints `listening <port>` once it accepts connections and exits with code 0 on SIGTERM/SIGINT.
 * Like `echo-server.ts` the loop blocks its thread, so it runs in a worker stopped through an eventfd.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads'

import {
  EPOLLIN,
  EPOLLOUT,
  Epoll,
  NOT_READ,
  WOULD_BLOCK,
  accept,
  close,
  eventfd,
  listenTcp,
  localAddress,
  pollRead,
  write,
  writeCounter,
  writeSlots,
} from 'epoll-napi'
import { startWorker } from './worker.js'

interface Options {
  port: number
  /** An eventfd: the loop ends when it becomes readable. */
  stopFd: number
}

/** Events per batch, and bytes per connection per batch (its slot of the slab). */
const BATCH = 1024
const SLOT = 16 * 1024

function serve(options: Options, onListening: (port: number) => void): void {
  const listener = listenTcp(options.port, undefined, { backlog: 4096 })
  const ep = new Epoll()
  ep.register(listener, EPOLLIN)
  ep.register(options.stopFd, EPOLLIN)
  onListening(localAddress(listener).port)

  // Everything a batch needs, allocated once.
  const events = new Uint32Array(2 * BATCH)
  const lengths = new Int32Array(BATCH)
  const written = new Int32Array(BATCH)
  const slab = Buffer.allocUnsafe(BATCH * SLOT)
  /** By fd: 1 = pollRead must not read it (the listener, the stop eventfd, a client we owe bytes). */
  const skip = new Uint8Array(65536)
  skip[listener] = 1
  skip[options.stopFd] = 1
  /** By fd: echo bytes a client has not taken yet (its socket buffer was full). */
  const backlogs: (Buffer | undefined)[] = []
  const connections = new Set<number>()

  const hangUp = (fd: number): void => {
    ep.unregister(fd)
    close(fd)
    connections.delete(fd)
    backlogs[fd] = undefined
    skip[fd] = 0
  }
  /** Keeps what a client did not take, and stops reading from it until it takes it (backpressure). */
  const owe = (fd: number, rest: Buffer): void => {
    backlogs[fd] = rest
    skip[fd] = 1
    ep.modify(fd, EPOLLOUT)
  }

  for (;;) {
    const count = pollRead(ep, events, lengths, slab, SLOT, -1, skip)
    // Echo every slot that holds bytes; `written[i]` says how much of each went out.
    writeSlots(events, count, lengths, slab, SLOT, written)
    for (let i = 0; i < count; i++) {
      const fd = events[2 * i]
      const length = lengths[i]
      if (length > 0) {
        const sent = written[i]
        if (sent === length) continue
        if (sent < 0) hangUp(fd) // EPIPE, ECONNRESET: the client vanished
        else owe(fd, Buffer.from(slab.subarray(i * SLOT + sent, i * SLOT + length)))
        continue
      }
      if (fd === options.stopFd) {
        for (const conn of connections) close(conn)
        close(listener)
        ep.close()
        return
      }
      if (fd === listener) {
        for (let conn = accept(listener); conn !== WOULD_BLOCK; conn = accept(listener)) {
          ep.register(conn, EPOLLIN)
          connections.add(conn)
        }
        continue
      }
      if (length === 0 || length < NOT_READ) {
        hangUp(fd) // end of file (everything it sent was echoed already), or a failed read
        continue
      }
      const backlog = backlogs[fd]
      if (backlog !== undefined) {
        // EPOLLOUT: the client reads again. Write the rest, then listen to it again (a hang-up
        // shows here too, as EPIPE from the write).
        try {
          let offset = 0
          while (offset < backlog.length) {
            const n = write(fd, backlog, offset)
            if (n === WOULD_BLOCK) break
            offset += n
          }
          if (offset < backlog.length) backlogs[fd] = backlog.subarray(offset)
          else {
            backlogs[fd] = undefined
            skip[fd] = 0
            ep.modify(fd, EPOLLIN)
          }
        } catch {
          hangUp(fd)
        }
      }
    }
  }
}

async function main(): Promise<void> {
  const stopFd = eventfd()
  const worker = startWorker(__filename, { port: Number(process.argv[2] ?? 0), stopFd } satisfies Options)
  worker.on('error', (error) => {
    console.error(error)
    process.exit(1)
  })
  const port = await new Promise<number>((resolve) => worker.once('message', resolve))
  console.log(`listening ${port}`)
  const stop = (): void => {
    writeCounter(stopFd)
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  await new Promise((resolve) => worker.once('exit', resolve))
  close(stopFd)
}

if (!isMainThread && workerData?.file === __filename) {
  serve(workerData.data as Options, (port) => parentPort!.postMessage(port))
} else if (require.main === module) {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
