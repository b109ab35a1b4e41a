/**
 * The echo server over UDP, with batching: one `recvmmsg` takes up to 64 datagrams, one `sendmmsg`
 * sends every one back to its sender, from the same memory (a {@link MessageBatch} keeps the
 * senders' addresses in its slots). It runs on the Node event loop: epoll-napi calls the handler
 * when the socket is readable.
 *
 *   node --import tsx examples/udp-echo.ts [port] [--single]   # port 0 (the default) picks a free one
 *
 * `--single` echoes one datagram per system call instead (`recvFrom`/`sendTo`), for comparison.
 * Prints `listening <port>` once it receives and exits with code 0 on SIGTERM/SIGINT.
 *
 * When the send buffer is full (`sendMessages` sends fewer than asked), the rest waits for
 * `EPOLLOUT`, and the server stops reading meanwhile: the senders' datagrams queue in the kernel,
 * which is UDP's only backpressure (beyond that, the kernel drops).
 */
import { close, Epoll, EPOLLIN, EPOLLOUT, listenUdp, localAddress, MessageBatch, recvFrom, recvMessages, sendMessages, sendTo, WOULD_BLOCK } from '../index.js'

const port = Number(process.argv[2] === '--single' ? 0 : (process.argv[2] ?? 0))
const single = process.argv.includes('--single')
const fd = listenUdp(port, '127.0.0.1')
const ep = new Epoll()

/** 64 slots of 2 KiB with the senders' addresses: received into, and sent back from. */
const batch = new MessageBatch(64, { slotSize: 2048, addresses: true })
/** Slots of `batch` still to be echoed when the send buffer filled up: `[next, end)`. */
let pending: [next: number, end: number] | null = null

/** Sends slots `[next, end)`; returns true once all are sent, false when the buffer is full. */
function flush(range: [number, number]): boolean {
  while (range[0] < range[1]) {
    const sent = sendMessages(fd, batch, range[0], range[1] - range[0])
    if (sent === WOULD_BLOCK) return false
    range[0] += sent
  }
  return true
}

function onBatch(events: number): void {
  if (pending !== null) {
    if (!(events & EPOLLOUT) || !flush(pending)) return
    pending = null
    ep.modify(fd, EPOLLIN) // caught up: read again
  }
  // Level-triggered: take a few batches, then give the event loop back; what is left is reported again.
  for (let round = 0; round < 16; round++) {
    const received = recvMessages(fd, batch)
    if (received === WOULD_BLOCK) return
    const range: [number, number] = [0, received]
    if (!flush(range)) {
      pending = range
      ep.modify(fd, EPOLLOUT) // stop reading until the rest is sent
      return
    }
  }
}

const buffer = Buffer.allocUnsafe(2048)
function onDatagram(): void {
  for (let round = 0; round < 1024; round++) {
    const got = recvFrom(fd, buffer)
    if (got === null) return
    // A datagram socket's send buffer only fills under extreme load; then this one is dropped, as UDP may.
    sendTo(fd, buffer, got.address, 0, got.bytes)
  }
}

ep.register(fd, EPOLLIN, single ? onDatagram : onBatch)
console.log(`listening ${localAddress(fd).port}`)

function stop(): void {
  ep.close() // no handlers left: nothing keeps the event loop alive, the process exits with code 0
  close(fd)
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
