// UDP echo server of the UDP benchmark: node:dgram (one 'message' event per datagram). It also runs
// unchanged in Deno (its node:dgram compatibility layer needs no flags) and Bun. Protocol
// (bench/udp.ts): FLOD datagrams are checked and counted, STAT is answered, everything else echoed.
//   node udp-dgram.mjs <port>     prints `listening <port>`, exits on SIGTERM
import { Buffer } from 'node:buffer'
import { createSocket } from 'node:dgram'
import process from 'node:process'

const PATTERN = Buffer.from(Array.from({ length: 512 }, (_, i) => i & 0xff))
const FLOD = 0x444f4c46 // "FLOD" read as a little-endian u32
const STAT = 0x54415453
let good = 0n
let bad = 0n

const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 })
socket.on('message', (data, rinfo) => {
  const tag = data.length >= 4 ? data.readUInt32LE(0) : 0
  if (tag === FLOD) {
    const seq = data.length >= 12 ? data.readUInt32LE(8) & 0xff : -1
    if (seq >= 0 && PATTERN.compare(data, 12, data.length, seq, seq + data.length - 12) === 0) good++
    else bad++
  } else if (tag === STAT) {
    const reply = Buffer.alloc(28)
    data.copy(reply, 0, 0, 12) // the tag, flow and the query's seq (its nonce)
    reply.writeBigUInt64LE(good, 12)
    reply.writeBigUInt64LE(bad, 20)
    socket.send(reply, rinfo.port, rinfo.address)
  } else {
    socket.send(data, rinfo.port, rinfo.address)
  }
})
socket.bind(Number(process.argv.at(-1)), '127.0.0.1', () => console.log(`listening ${socket.address().port}`))
process.on('SIGTERM', () => process.exit(0))
