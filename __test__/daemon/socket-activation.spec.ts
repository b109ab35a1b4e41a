import test from 'ava'
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect as netConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Socket } from '../../index.js'
import { ROOT } from '../helpers/child.js'
import { start, until } from '../helpers/daemon.js'
import { testIf } from '../helpers/skip-if.js'

const activate = spawnSync('systemd-socket-activate', ['--version'], { encoding: 'utf8' })
const declare = testIf(activate.status === 0, 'systemd-socket-activate is not installed (Debian: systemd)')
const SERVER = join(ROOT, '__test__', 'fixtures', 'socket-activated.ts')

/** Starts the fixture server under systemd-socket-activate listening on `address` (`-d`: datagram). */
function activated(address: string, mode: string, datagram = false) {
  const args = [...(datagram ? ['-d'] : []), '-l', address, process.execPath, '--import', 'tsx', SERVER, mode]
  const child = start('systemd-socket-activate', args, { cwd: ROOT })
  return child
}

/** Connects to the unix socket at `path` (retrying while systemd-socket-activate is not listening yet) and reads the answer. */
async function ask(path: string): Promise<string> {
  for (;;) {
    const client = netConnect(path)
    const outcome = await Promise.race([once(client, 'connect').then(() => 'ok'), once(client, 'error').then(() => 'retry')])
    if (outcome === 'retry') {
      await new Promise((resolve) => setTimeout(resolve, 20))
      continue
    }
    const chunks: Buffer[] = []
    client.on('data', (chunk: Buffer) => chunks.push(chunk))
    await once(client, 'close')
    return Buffer.concat(chunks).toString()
  }
}

for (const mode of ['default', 'as-passed'] as const) {
  declare(`a server started by the real systemd-socket-activate serves with connections() (listenFds ${mode === 'default' ? 'default' : 'nonBlocking: false, the fd exactly as passed'})`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'activate-'))
    const path = join(dir, 'server.sock')
    const child = activated(path, mode)
    await until(() => child.stderr().includes('Listening on') || child.stdout().length > 0, 20_000).catch(() => undefined)
    // Three clients, one after the other: the first starts the server, all are served by it.
    const answers = [await ask(path), await ask(path), await ask(path)]
    const blocking = mode === 'as-passed'
    t.deepEqual(answers, [1, 2, 3].map((n) => `served ${n} ${blocking}`), child.stderr())
    const result = await child.done
    t.is(result.code, 0, result.stderr)
    rmSync(dir, { recursive: true })
  })
}

declare('a datagram server started by systemd-socket-activate -d serves with datagrams() on the fd as passed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'activate-'))
  const path = join(dir, 'server.sock')
  const child = activated(path, 'as-passed', true)
  await until(() => child.stderr().includes('Listening on'), 20_000)
  // A unix datagram client: node:dgram has none, so the package's own Socket plays the peer.
  const peer = new Socket('unix', 'dgram')
  peer.bind({ path: join(dir, 'client.sock') })
  const replies: string[] = []
  for (let n = 1; n <= 3; n++) {
    peer.sendTo('hello?', { path })
    await until(() => {
      const got = peer.recvFrom(64)
      if (got !== null) replies.push(got.data.toString())
      return replies.length === n
    }, 20_000)
  }
  t.deepEqual(replies, ['served 1 true', 'served 2 true', 'served 3 true'])
  const result = await child.done
  t.is(result.code, 0, result.stderr)
  peer.close()
  rmSync(dir, { recursive: true })
})
