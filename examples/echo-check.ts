/**
 * A self-checking client for the echo examples: starts an echo server (any program that follows the
 * echo contract: port argument, `listening <port>` on stdout, clean exit on SIGTERM), opens hundreds
 * of concurrent `node:net` connections, sends each a distinct byte pattern in uneven chunks, checks
 * every byte that comes back, then stops the server. Exits 0 only if every byte came back intact and
 * the server exited cleanly.
 *
 *   node --import tsx examples/echo-check.ts examples/echo-server.ts [--connections 300] [--bytes 65536]
 *   node --import tsx examples/echo-check.ts --port 8080          # an already running server
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

export interface CheckOptions {
  connections: number
  bytes: number
  /** Per-connection deadline in ms. */
  timeout?: number
}

/** The byte connection `id` sends at `offset`: distinct per connection, never periodic at 256. */
function patternByte(id: number, offset: number): number {
  return (id * 131 + offset * 7 + (offset >>> 8) * 13) & 0xff
}

function pattern(id: number, bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes)
  for (let i = 0; i < bytes; i++) out[i] = patternByte(id, i)
  return out
}

/** One client: sends `bytes` in uneven writes, half-closes, and checks the echo byte by byte. */
function echoOnce(port: number, id: number, bytes: number, timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const data = pattern(id, bytes)
    const socket = connect({ port, host: '127.0.0.1' })
    let received = 0
    const fail = (why: string): void => {
      socket.destroy()
      reject(new Error(`connection ${id}: ${why} (after ${received} of ${bytes} bytes)`))
    }
    socket.setTimeout(timeout, () => fail('timed out'))
    socket.on('error', (error) => fail(error.message))
    socket.on('connect', () => {
      // Uneven chunks (1 byte up to 16 KiB) so that the server sees partial reads of every size.
      let offset = 0
      let size = 1 + (id % 7)
      while (offset < bytes) {
        const end = Math.min(bytes, offset + size)
        socket.write(data.subarray(offset, end))
        offset = end
        size = (size * 5 + id) % 16384 || 1
      }
      socket.end() // half-close: the server must still echo everything, then close its side
    })
    socket.on('data', (chunk: Buffer) => {
      for (let i = 0; i < chunk.length; i++) {
        if (received + i >= bytes) return fail('received more bytes than were sent')
        if (chunk[i] !== data[received + i]) return fail(`byte ${received + i} is ${chunk[i]}, expected ${data[received + i]}`)
      }
      received += chunk.length
    })
    socket.on('end', () => (received === bytes ? resolve() : fail('the server closed early')))
  })
}

/** Runs `connections` clients at once against `port`; rejects on the first missing or wrong byte. */
export async function checkEcho(port: number, options: CheckOptions): Promise<{ bytes: number; ms: number }> {
  const start = performance.now()
  const clients = Array.from({ length: options.connections }, (_, id) =>
    echoOnce(port, id, options.bytes, options.timeout ?? 60_000),
  )
  await Promise.all(clients)
  return { bytes: options.connections * options.bytes, ms: performance.now() - start }
}

export interface StartedServer {
  server: ChildProcess
  port: number
  /** Everything the server wrote to stderr so far (it is also passed through). */
  stderr: () => string
}

/**
 * Spawns an echo server (a .ts file runs through tsx) and resolves with its port once it prints
 * `listening <port>`, which must happen within `listenTimeout` ms.
 */
export function startServer(file: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env, listenTimeout = 30_000): Promise<StartedServer> {
  const command = file.endsWith('.ts') ? ['--import', 'tsx', file, '0', ...args] : [file, '0', ...args]
  const server = spawn(process.execPath, command, { stdio: ['ignore', 'pipe', 'pipe'], env })
  let errors = ''
  server.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk
    process.stderr.write(chunk)
  })
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: server.stdout! })
    const timer = setTimeout(() => reject(new Error(`${file} did not print "listening <port>" within ${listenTimeout} ms`)), listenTimeout)
    server.once('exit', (code, signal) => reject(new Error(`${file} exited (${code ?? signal}) before listening`)))
    lines.once('line', (line) => {
      clearTimeout(timer)
      const match = /^listening (\d+)$/.exec(line)
      if (match) resolve({ server, port: Number(match[1]), stderr: () => errors })
      else reject(new Error(`${file} printed ${JSON.stringify(line)} instead of "listening <port>"`))
    })
  })
}

/** Sends SIGTERM and resolves with the exit code (null if a signal ended it). */
export function stopServer(server: ChildProcess, timeout = 10_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (server.exitCode !== null) return resolve(server.exitCode)
    const timer = setTimeout(() => {
      server.kill('SIGKILL')
      reject(new Error(`the server did not exit within ${timeout} ms of SIGTERM`))
    }, timeout)
    server.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
    server.kill('SIGTERM')
  })
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      connections: { type: 'string', default: '300' },
      bytes: { type: 'string', default: '65536' },
    },
  })
  const options = { connections: Number(values.connections), bytes: Number(values.bytes) }
  const [file, ...serverArgs] = positionals
  if (values.port === undefined && file === undefined) {
    throw new Error('usage: echo-check.ts <server file> [server args] | --port <port>')
  }
  const started = values.port === undefined ? await startServer(file, serverArgs) : undefined
  const port = started?.port ?? Number(values.port)
  try {
    const { bytes, ms } = await checkEcho(port, options)
    console.log(`ok: ${options.connections} concurrent connections, ${bytes} bytes echoed intact in ${ms.toFixed(0)} ms`)
  } finally {
    if (started) {
      const code = await stopServer(started.server)
      if (code !== 0) throw new Error(`the server exited with ${code} on SIGTERM, expected 0`)
    }
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`echo-check failed: ${error instanceof Error ? error.message : error}`)
    process.exit(1)
  })
}
