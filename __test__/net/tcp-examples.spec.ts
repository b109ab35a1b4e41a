import test from 'ava'
import { once } from 'node:events'
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { checkEcho, startServer, stopServer } from '../../examples/echo-check.js'
import { scaled } from '../helpers/emulation.js'

const examples = join(__dirname, '..', '..', 'examples')
const servers = {
  'blocking level-triggered loop': join(examples, 'echo-server.ts'),
  'edge-triggered handlers on the event loop': join(examples, 'echo-server-handlers.ts'),
  'blocking loop with pollRead and writeSlots': join(examples, 'echo-server-batch.ts'),
  'Socket objects, the Python echo server line for line': join(examples, 'echo-server-sockets.ts'),
}

for (const [mode, file] of Object.entries(servers)) {
  test.serial(`echo server (${mode}): 300 concurrent node:net clients get every byte back, then SIGTERM exits 0`, async (t) => {
    const { server, port } = await startServer(file, [], process.env, scaled(30_000))
    t.teardown(() => server.kill('SIGKILL'))
    const { bytes } = await checkEcho(port, { connections: 300, bytes: 64 * 1024, timeout: scaled(30_000) })
    t.is(bytes, 300 * 64 * 1024)
    t.is(await stopServer(server, scaled(10_000)), 0)
  })

  test.serial(`echo server (${mode}): clients that send 16 MiB before reading anything still get all of it back`, async (t) => {
    // More than loopback's socket buffers take in 200 ms (on this machine's 32 MiB tcp_rmem, a counting
    // copy of each server saw 26 and 63 would-block writes), so this drives the servers' EPOLLOUT path.
    const { server, port } = await startServer(file, [], process.env, scaled(30_000))
    t.teardown(() => server.kill('SIGKILL'))
    const size = 16 * 1024 * 1024
    const data = Buffer.allocUnsafe(size)
    for (let i = 0; i < size; i++) data[i] = (i * 13 + (i >> 10)) & 0xff
    const clients = Array.from({ length: 4 }, async () => {
      const socket = connect({ port, host: '127.0.0.1' })
      socket.pause()
      await once(socket, 'connect')
      socket.end(data)
      await sleep(200)
      const chunks: Buffer[] = []
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.resume()
      await once(socket, 'end')
      return Buffer.concat(chunks)
    })
    for (const echoed of await Promise.all(clients)) t.true(echoed.equals(data), `${echoed.length} bytes came back`)
    t.is(await stopServer(server, scaled(10_000)), 0)
  })
}

test.serial('multicore echo: two loops share the port through reusePort; both serve clients, every byte intact', async (t) => {
  const { server, port, stderr } = await startServer(join(examples, 'multicore-echo.ts'), ['2'], { ...process.env, ECHO_STATS: '1' }, scaled(30_000))
  t.teardown(() => server.kill('SIGKILL'))
  const { bytes } = await checkEcho(port, { connections: 400, bytes: 32 * 1024, timeout: scaled(30_000) })
  t.is(bytes, 400 * 32 * 1024)
  t.is(await stopServer(server, scaled(10_000)), 0)
  const perLoop = /accepted per loop: (\d+) (\d+)/.exec(stderr())
  t.truthy(perLoop, stderr())
  const [a, b] = [Number(perLoop![1]), Number(perLoop![2])]
  t.is(a + b, 400)
  t.true(a > 0 && b > 0, `the kernel spread the connections: ${a} and ${b}`)
})
