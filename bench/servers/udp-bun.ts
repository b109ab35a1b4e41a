// UDP echo server of the UDP benchmark: Bun's own `Bun.udpSocket` (its `data` callback gets one
// datagram at a time; `sendMany` is not used because a reply must go right back to each sender).
// Protocol (bench/udp.ts): FLOD checked and counted, STAT answered, everything else echoed.
//   bun udp-bun.ts <port>     prints `listening <port>`, exits on SIGTERM
declare const Bun: any

const PATTERN = Buffer.from(Array.from({ length: 512 }, (_, i) => i & 0xff))
const FLOD = 0x444f4c46
const STAT = 0x54415453
let good = 0n
let bad = 0n

Bun.udpSocket({
  hostname: '127.0.0.1',
  port: Number(process.argv.at(-1)),
  socket: {
    data(sock: any, data: Buffer, port: number, address: string) {
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
        sock.send(reply, port, address)
      } else {
        sock.send(data, port, address)
      }
    },
    // An ICMP port unreachable for a reply to a load generator that has exited arrives as
    // ECONNREFUSED; without this handler Bun throws it and the server dies.
    error() {},
  },
}).then((socket: any) => console.log(`listening ${socket.port}`))
process.on('SIGTERM', () => process.exit(0))
