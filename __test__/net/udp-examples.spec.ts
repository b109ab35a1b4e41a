import test from 'ava'
import { join } from 'node:path'

import { startServer, stopServer } from '../../examples/echo-check.js'
import { checkUdpEcho } from '../../examples/udp-echo-check.js'
import { scaled } from '../helpers/emulation.js'

const UDP_ECHO = join(__dirname, '..', '..', 'examples', 'udp-echo.ts')

for (const [mode, args] of [
  ['batched: recvMessages/sendMessages', []],
  ['one datagram per call: recvFrom/sendTo', ['--single']],
] as const) {
  test.serial(`UDP echo example (${mode}): 64 node:dgram clients get 100 echoes each, every byte checked, then SIGTERM exits 0`, async (t) => {
    const { server, port } = await startServer(UDP_ECHO, [...args], process.env, scaled(30_000))
    t.teardown(() => server.kill('SIGKILL'))
    const { datagrams } = await checkUdpEcho(port, { clients: 64, datagrams: 100, timeout: scaled(10_000) })
    t.is(datagrams, 6400)
    t.is(await stopServer(server, scaled(10_000)), 0)
  })
}
