// UDP echo server of the UDP benchmark: Deno's own datagram API (`Deno.listenDatagram`, which needs
// the --unstable-net flag: Deno 2.9 has no stable UDP API), one awaited receive and send per
// datagram. Protocol (bench/udp.ts): FLOD checked and counted, STAT answered, the rest echoed.
//   deno run --allow-net --unstable-net udp-deno.ts <port>   prints `listening <port>`, exits on SIGTERM
declare const Deno: any
export {}

const PATTERN = new Uint8Array(512).map((_, i) => i & 0xff)
const FLOD = 0x444f4c46
const STAT = 0x54415453
let good = 0n
let bad = 0n

function check(data: Uint8Array, seq: number): boolean {
  for (let i = 12; i < data.length; i++) if (data[i] !== PATTERN[seq + i - 12]) return false
  return true
}

const socket = Deno.listenDatagram({ hostname: '127.0.0.1', port: Number(Deno.args.at(-1) ?? 0), transport: 'udp' })
console.log(`listening ${socket.addr.port}`)
Deno.addSignalListener('SIGTERM', () => Deno.exit(0))
async function serve(): Promise<void> {
  for (;;) {
    const [data, from] = await socket.receive()
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    const tag = data.length >= 4 ? view.getUint32(0, true) : 0
    if (tag === FLOD) {
      if (data.length >= 12 && check(data, view.getUint32(8, true) & 0xff)) good++
      else bad++
    } else if (tag === STAT) {
      const reply = new Uint8Array(28)
      reply.set(data.subarray(0, 12))
      const out = new DataView(reply.buffer)
      out.setBigUint64(12, good, true)
      out.setBigUint64(20, bad, true)
      await socket.send(reply, from)
    } else {
      await socket.send(data, from)
    }
  }
}
serve()
