/**
 * One stress client process: `node --import tsx stress/client.ts '<json options>'`.
 *
 * Opens `connections` node:net connections to the echo server and holds them all open (a barrier:
 * it prints `connected` and waits for `go` on stdin), then keeps that many connections busy until
 * `seconds` pass: each connection sends 1 to 3 messages of random size (log-uniform, 1 B to 64 KiB,
 * bytes from a per-connection PRNG), checks that every byte comes back in order, and ends in one of
 * three ways: a normal close, a half-close (end() right after the last write, then read the rest of
 * the echo until the server closes), or a reset (resetAndDestroy(): SO_LINGER 0, an RST) at a random
 * point. A finished connection is replaced by a new one. Prints one JSON line of counts at the end.
 */
import { connect, type Socket } from 'node:net'

interface Options {
  port: number
  connections: number
  seconds: number
  seed: number
}

const options = JSON.parse(process.argv[2]) as Options

/** xorshift32: cheap, seeded, good enough to make every message's bytes distinct. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x
  }
}

const random = prng(options.seed)
const uniform = () => random() / 0x1_0000_0000
/** Log-uniform from 1 to 65536 bytes: mostly small messages, some large ones. */
const messageSize = () => Math.min(65536, Math.floor(Math.exp(uniform() * Math.log(65536))) + 1)

const counts = {
  opened: 0,
  /** Every byte of every message came back, then the connection ended as planned. */
  verified: 0,
  /** Opened just after the deadline: ended without sending. */
  unsent: 0,
  closes: 0,
  halfCloses: 0,
  resets: 0,
  messages: 0,
  bytes: 0,
  errors: 0,
  firstErrors: [] as string[],
}

function fail(message: string): void {
  counts.errors++
  if (counts.firstErrors.length < 10) counts.firstErrors.push(message)
}

let go: () => void
const started = new Promise<void>((resolve) => (go = resolve))
let deadline = Infinity

type Ending = 'close' | 'half-close' | 'reset'

/** One connection from connect to close; resolves when it is over (whatever happened). */
function runConnection(id: number, onConnected: () => void): Promise<void> {
  return new Promise((done) => {
    counts.opened++
    const bytes = prng(options.seed ^ (id * 0x85ebca6b))
    const ending: Ending = ((r) => (r < 0.6 ? 'close' : r < 0.85 ? 'half-close' : 'reset'))(uniform())
    const messages = 1 + Math.floor(uniform() * 3)
    /** For a reset: after how many fully echoed messages, and whether mid-message. */
    const resetAfter = Math.floor(uniform() * messages)
    let sent = 0
    let expected: Buffer | null = null
    let offset = 0
    let finished = false
    let ended = false
    const socket: Socket = connect(options.port, '127.0.0.1')
    const stall = setTimeout(() => finish(`connection ${id} stalled (${ending}, message ${sent}/${messages}, ${offset} bytes in)`), 60_000)

    function finish(error?: string): void {
      if (finished) return
      finished = true
      clearTimeout(stall)
      if (error) {
        fail(error)
        socket.destroy()
      }
      done()
    }

    function sendNext(): void {
      if (ending === 'reset' && sent === resetAfter && uniform() < 0.5) {
        // Reset between messages, with nothing in flight.
        counts.resets++
        socket.resetAndDestroy()
        return finish()
      }
      const size = messageSize()
      const data = Buffer.allocUnsafe(size)
      for (let i = 0; i < size; i += 4) {
        const word = bytes()
        for (let j = 0; j < 4 && i + j < size; j++) data[i + j] = word >>> (8 * j)
      }
      expected = data
      offset = 0
      sent++
      socket.write(data)
      if (ending === 'reset' && sent - 1 === resetAfter) {
        // Reset while the echo of this message is on its way back.
        counts.resets++
        setImmediate(() => {
          socket.resetAndDestroy()
          finish()
        })
        return
      }
      if (ending === 'half-close' && sent === messages) socket.end()
    }

    socket.setNoDelay(true)
    socket.once('connect', () => {
      onConnected()
      void started.then(() => (Date.now() > deadline ? (socket.end(), (ended = true)) : sendNext()))
    })
    socket.on('data', (chunk: Buffer) => {
      if (finished) return
      if (expected === null || offset + chunk.length > expected.length) {
        return finish(`connection ${id} got ${chunk.length} bytes it did not send`)
      }
      if (!chunk.equals(expected.subarray(offset, offset + chunk.length))) {
        return finish(`connection ${id}: echoed bytes differ at offset ${offset} of a ${expected.length}-byte message`)
      }
      offset += chunk.length
      if (offset < expected.length) return
      counts.messages++
      counts.bytes += expected.length
      expected = null
      if (sent < messages) return sendNext()
      if (ending === 'close') {
        ended = true
        socket.end()
      }
      // half-close: already ended; the server closes after the echo, and 'end' comes next.
    })
    socket.on('end', () => {
      if (finished) return
      if (expected !== null || (sent < messages && !ended)) return finish(`connection ${id}: the server closed early (${ending})`)
      if (sent === 0) counts.unsent++ // opened after the deadline: nothing was sent
      else {
        if (ending === 'close') counts.closes++
        else if (ending === 'half-close') counts.halfCloses++
        counts.verified++
      }
      socket.end()
    })
    socket.on('close', () => finish())
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!finished) finish(`connection ${id} (${ending}): ${error.code ?? error.message}`)
    })
  })
}

async function main(): Promise<void> {
  let connected = 0
  let announce: () => void
  const allConnected = new Promise<void>((resolve) => (announce = resolve))
  const onConnected = () => {
    if (++connected === options.connections) announce()
  }
  let nextId = 0
  const slots: Promise<void>[] = []
  for (let slot = 0; slot < options.connections; slot++) {
    slots.push(
      (async () => {
        await runConnection(nextId++, onConnected)
        while (Date.now() < deadline) await runConnection(nextId++, () => {})
      })(),
    )
    // Do not flood the accept queue: a few hundred connects in flight at a time.
    if (slot % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 5))
  }
  await allConnected
  process.stdout.write('connected\n')
  process.stdin.once('data', () => {
    deadline = Date.now() + options.seconds * 1000
    go()
  })
  await Promise.all(slots)
  process.stdout.write(`${JSON.stringify(counts)}\n`)
  process.exit(0)
}

void main()
