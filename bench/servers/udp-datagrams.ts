/**
 * UDP echo server of the UDP benchmark written the idiomatic way: `for await (const d of
 * datagrams(fd))`, answering with `d.reply()` (one `recvmmsg` per batch of up to 64, the batch's
 * answers in one `sendmmsg`). `--views` takes `data` as views into the batch instead of copies.
 * Protocol (bench/udp.ts): FLOD checked and counted, STAT answered, the rest echoed.
 *
 *   node --import tsx udp-datagrams.ts [--views] <port>   prints `listening <port>`; SIGTERM ends it
 */
import { datagrams, listenUdp, localAddress, SO_RCVBUF, SOL_SOCKET, setSocketOption } from 'epoll-napi'

const PATTERN = Buffer.from(Array.from({ length: 512 }, (_, i) => i & 0xff))
const FLOD = 0x444f4c46 // "FLOD" as a little-endian u32
const STAT = 0x54415453
let good = 0n
let bad = 0n

/** Checks a FLOD datagram (no answer: `null`); a STAT is answered with the counts; the rest is echoed. */
function handle(data: Buffer): Buffer | null {
  const length = data.length
  const tag = length >= 4 ? data.readUInt32LE(0) : 0
  if (tag === FLOD) {
    const seq = length >= 12 ? data.readUInt32LE(8) & 0xff : -1
    if (seq >= 0 && PATTERN.compare(data, 12, length, seq, seq + length - 12) === 0) good++
    else bad++
    return null
  }
  if (tag === STAT) {
    // The query's first 12 bytes (tag, flow, nonce), then the good and bad counts.
    const answer = Buffer.alloc(28)
    data.copy(answer, 0, 0, 12)
    answer.writeBigUInt64LE(good, 12)
    answer.writeBigUInt64LE(bad, 20)
    return answer
  }
  return data
}

const views = process.argv.includes('--views')
const fd = listenUdp(Number(process.argv.at(-1)), '127.0.0.1')
setSocketOption(fd, SOL_SOCKET, SO_RCVBUF, 4 << 20)
console.log(`listening ${localAddress(fd).port}`)

async function serve(): Promise<void> {
  for await (const d of datagrams(fd, { views })) {
    const data = Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength)
    const answer = handle(data)
    if (answer !== null) d.reply(answer)
  }
}

serve().catch((error) => {
  console.error(error)
  process.exit(1)
})
