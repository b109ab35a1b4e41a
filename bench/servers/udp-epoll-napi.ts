/**
 * UDP echo server of the UDP benchmark, on epoll-napi: a blocking level-triggered `pollInto` loop on
 * the main thread. `--batch` moves up to 64 datagrams per `recvMessages`/`sendMessages` (one
 * `MessageBatch`, replies sent back from the slots they arrived in), `--single` one datagram per
 * `recvFrom`/`sendTo`. Protocol (bench/udp.ts): FLOD checked and counted, STAT answered, the rest echoed.
 *
 *   node --import tsx udp-epoll-napi.ts --batch|--single <port>   prints `listening <port>`; SIGTERM ends it
 */
import {
  Epoll,
  EPOLLIN,
  listenUdp,
  localAddress,
  MessageBatch,
  recvFrom,
  recvMessages,
  SO_RCVBUF,
  SOL_SOCKET,
  sendMessages,
  sendTo,
  setSocketOption,
  WOULD_BLOCK,
} from 'epoll-napi'

const PATTERN = Buffer.from(Array.from({ length: 512 }, (_, i) => i & 0xff))
const FLOD = 0x444f4c46 // "FLOD" as a little-endian u32
const STAT = 0x54415453
let good = 0n
let bad = 0n

/** Checks a FLOD datagram at `data[at .. at + length]`; returns the reply length (0: none). */
function handle(data: Buffer, at: number, length: number): number {
  const tag = length >= 4 ? data.readUInt32LE(at) : 0
  if (tag === FLOD) {
    const seq = length >= 12 ? data.readUInt32LE(at + 8) & 0xff : -1
    if (seq >= 0 && PATTERN.compare(data, at + 12, at + length, seq, seq + length - 12) === 0) good++
    else bad++
    return 0
  }
  if (tag === STAT) {
    data.writeBigUInt64LE(good, at + 12) // after the tag, flow and the query's seq (its nonce)
    data.writeBigUInt64LE(bad, at + 20)
    return 28
  }
  return length
}

const batched = process.argv.includes('--batch')
const fd = listenUdp(Number(process.argv.at(-1)), '127.0.0.1')
setSocketOption(fd, SOL_SOCKET, SO_RCVBUF, 4 << 20)
const ep = new Epoll()
ep.register(fd, EPOLLIN)
console.log(`listening ${localAddress(fd).port}`)
const events = new Uint32Array(8)

const batch = new MessageBatch(64, { slotSize: 2048, addresses: true })
const slab = Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength)
const meta = batch.meta

/** Sends the replies in slots [from, to), skipping none (all are replies). */
function send(from: number, to: number): void {
  while (from < to) {
    const sent = sendMessages(fd, batch, from, to - from)
    if (sent === WOULD_BLOCK) return // a full send buffer drops the rest, as UDP may
    from += sent
  }
}

function serveBatches(): void {
  for (;;) {
    const n = recvMessages(fd, batch)
    if (n === WOULD_BLOCK) return
    // Runs of replies go out in one sendMessages each; FLOD slots (no reply) split the runs.
    let run = 0
    for (let i = 0; i < n; i++) {
      const length = meta[i * 3]
      const reply = handle(slab, i * 2048, length)
      if (reply === 0 && length !== 0) {
        send(run, i)
        run = i + 1
      } else meta[i * 3] = reply
    }
    send(run, n)
    if (n < 64) return
  }
}

const buffer = Buffer.allocUnsafe(2048)
function serveSingle(): void {
  for (;;) {
    const got = recvFrom(fd, buffer)
    if (got === null) return
    const reply = handle(buffer, 0, got.bytes)
    if (reply > 0 || got.bytes === 0) sendTo(fd, buffer, got.address, 0, reply)
  }
}

for (;;) {
  if (ep.pollInto(events, -1) > 0) {
    if (batched) serveBatches()
    else serveSingle()
  }
}
