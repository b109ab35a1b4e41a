/**
 * A self-checking client for the UDP echo example: starts the server (port argument, `listening
 * <port>` on stdout, clean exit on SIGTERM, as the TCP examples), runs many `node:dgram` clients at
 * once, each sending datagrams of distinct patterns and sizes (0 bytes included) one at a time and
 * checking every byte of each echo, then stops the server. Exits 0 only if every echo came back
 * intact, in order, and the server exited cleanly.
 *
 *   node --import tsx examples/udp-echo-check.ts examples/udp-echo.ts [--single] [--clients 64] [--datagrams 200]
 *   node --import tsx examples/udp-echo-check.ts --port 9000          # an already running server
 */
import { createSocket } from 'node:dgram'
import { parseArgs } from 'node:util'

import { startServer, stopServer } from './echo-check.js'

export interface UdpCheckOptions {
  clients: number
  datagrams: number
  /** Per-datagram deadline in ms (loopback does not lose datagrams unless a queue overflows). */
  timeout?: number
}

/** The payload of datagram `seq` of client `id`: its size cycles through 0..1400 bytes. */
function payload(id: number, seq: number): Buffer {
  const size = (seq * 97 + id * 13) % 1401
  const out = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) out[i] = (id * 131 + seq * 31 + i * 7) & 0xff
  return out
}

/** One client: `datagrams` ping-pongs, every echo compared byte for byte with what was sent. */
function client(port: number, id: number, options: UdpCheckOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4')
    let seq = 0
    let expected = payload(id, 0)
    let timer: NodeJS.Timeout | undefined
    const fail = (why: string): void => {
      clearTimeout(timer)
      socket.close()
      reject(new Error(`client ${id}, datagram ${seq}: ${why}`))
    }
    const send = (): void => {
      expected = payload(id, seq)
      socket.send(expected, port, '127.0.0.1')
      clearTimeout(timer)
      timer = setTimeout(() => fail('no echo (timed out)'), options.timeout ?? 10_000)
    }
    socket.on('error', (error) => fail(error.message))
    socket.on('message', (message: Buffer) => {
      if (!message.equals(expected)) return fail(`echo of ${message.length} bytes differs from the ${expected.length} sent`)
      if (++seq === options.datagrams) {
        clearTimeout(timer)
        socket.close()
        return resolve(seq)
      }
      send()
    })
    socket.bind(0, '127.0.0.1', send)
  })
}

/** Runs `clients` clients at once against `port`; rejects on the first missing or wrong echo. */
export async function checkUdpEcho(port: number, options: UdpCheckOptions): Promise<{ datagrams: number; ms: number }> {
  const start = performance.now()
  const counts = await Promise.all(Array.from({ length: options.clients }, (_, id) => client(port, id, options)))
  return { datagrams: counts.reduce((a, b) => a + b, 0), ms: performance.now() - start }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      single: { type: 'boolean', default: false },
      clients: { type: 'string', default: '64' },
      datagrams: { type: 'string', default: '200' },
    },
  })
  const options = { clients: Number(values.clients), datagrams: Number(values.datagrams) }
  const [file] = positionals
  if (values.port === undefined && file === undefined) throw new Error('usage: udp-echo-check.ts <server file> [--single] | --port <port>')
  const started = values.port === undefined ? await startServer(file, values.single ? ['--single'] : []) : undefined
  const port = started?.port ?? Number(values.port)
  try {
    const { datagrams, ms } = await checkUdpEcho(port, options)
    console.log(`ok: ${options.clients} concurrent clients, ${datagrams} datagrams echoed intact in ${ms.toFixed(0)} ms`)
  } finally {
    if (started) {
      const code = await stopServer(started.server)
      if (code !== 0) throw new Error(`the server exited with ${code} on SIGTERM, expected 0`)
    }
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`udp-echo-check failed: ${error instanceof Error ? error.message : error}`)
    process.exit(1)
  })
}
