import test from 'ava'
import { connect } from 'node:net'
import { once } from 'node:events'

import { close, listenFds, listenTcp, localAddress, notify } from '../../index.js'
import { ROOT } from '../helpers/child.js'
import { start, until } from '../helpers/daemon.js'
import { throwsSystemError } from '../helpers/errors.js'

// Run as a socket-activated service would be: fds 3 and 4 inherited, LISTEN_PID set to the pid that
// runs node (sh exports its own pid, then execs node in place).
const SERVICE = `
const e = require(${JSON.stringify(ROOT)})
const fs = require('fs')
const cloexec = (fd) => (parseInt(/flags:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/fdinfo/' + fd, 'utf8'))[1], 8) & 0o2000000) !== 0
const fds = e.listenFds({ names: true })
const after = fds.map((f) => cloexec(f.fd))
const env = ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES'].map((name) => process.env[name] ?? null)
const again = e.listenFds()
const ports = fds.map((f) => e.localAddress(f.fd).port)
console.log(JSON.stringify({ fds, after, env, again, ports }))
// Serve one connection on the first socket, to show it is the listening socket the parent made.
const ep = new e.Epoll()
ep.register(fds[0].fd, e.EPOLLIN)
ep.poll(10000)
const conn = e.accept(fds[0].fd)
e.write(conn, Buffer.from('served by the activated child'))
e.close(conn)
`

test('listenFds in a child started with LISTEN_FDS=2 and two inherited sockets', async (t) => {
  const web = listenTcp(0)
  const admin = listenTcp(0)
  const child = start('sh', ['-c', 'export LISTEN_PID=$$; exec "$0" -e "$1"', process.execPath, SERVICE], {
    stdio: ['ignore', 'pipe', 'pipe', web, admin],
    env: { ...process.env, LISTEN_FDS: '2', LISTEN_FDNAMES: 'web' },
  })
  await until(() => child.stdout().includes('\n'))
  const out = JSON.parse(child.stdout().split('\n')[0])
  t.deepEqual(out.fds, [
    { fd: 3, name: 'web' },
    { fd: 4, name: 'unknown' },
  ])
  // Node itself already marks inherited fds close-on-exec at startup (fdinfo flags 02004002 in a Node
  // child, 04002 in sh), so the flag listenFds sets is checked on a fresh fd in the core's tests.
  t.deepEqual(out.after, [true, true], 'close-on-exec')
  t.deepEqual(out.env, [null, null, null], 'the variables are unset')
  t.deepEqual(out.again, [], 'so a second call finds nothing')
  t.deepEqual(out.ports, [localAddress(web).port, localAddress(admin).port])
  const socket = connect({ port: localAddress(web).port, host: '127.0.0.1' })
  const [reply] = await once(socket, 'data')
  t.is(reply.toString(), 'served by the activated child')
  socket.destroy()
  const result = await child.done
  t.is(result.code, 0, result.stderr)
  close(web)
  close(admin)
})

test.serial('listenFds gives [] when LISTEN_PID is another process or unset, and unsets the variables anyway', (t) => {
  Object.assign(process.env, { LISTEN_PID: String(process.pid + 1), LISTEN_FDS: '2', LISTEN_FDNAMES: 'a:b' })
  t.deepEqual(listenFds(), [])
  t.is(process.env.LISTEN_FDS, undefined)
  t.deepEqual(listenFds({ names: true }), [])
  process.env.LISTEN_FDS = '1'
  t.deepEqual(listenFds({ unsetEnvironment: false }), [], 'no LISTEN_PID: nothing')
  t.is(process.env.LISTEN_FDS, '1', 'kept when asked to')
  delete process.env.LISTEN_FDS
})

test.serial('unparsable LISTEN_* values are EINVAL, as in sd_listen_fds; bad options are coded', (t) => {
  Object.assign(process.env, { LISTEN_PID: String(process.pid), LISTEN_FDS: 'two' })
  throwsSystemError(t, () => listenFds(), 'EINVAL', 'sd_listen_fds')
  t.is(process.env.LISTEN_PID, undefined, 'unset even on failure')
  process.env.LISTEN_PID = 'me'
  throwsSystemError(t, () => listenFds(), 'EINVAL', 'sd_listen_fds')
  t.throws(() => listenFds({ names: 1 as never }), { code: 'ERR_INVALID_ARG_TYPE', message: /"options.names"/ })
  t.throws(() => listenFds(7 as never), { code: 'ERR_INVALID_ARG_TYPE' })
})

/** A unix datagram socket that prints the first message it gets (Node cannot make one; python3 can). */
function listener(address: string) {
  const bind = address.startsWith('@') ? `'\\0' + ${JSON.stringify(address.slice(1))}` : JSON.stringify(address)
  const source = `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(${bind})
print('ready', flush=True)
s.settimeout(10)
sys.stdout.write(s.recv(4096).decode())`
  return start('python3', ['-c', source])
}

for (const [kind, address] of [
  ['a path', `/tmp/epoll-napi-notify-${process.pid}.sock`],
  ['an abstract name', `@epoll-napi-notify-${process.pid}`],
]) {
  test.serial(`notify sends one datagram to $NOTIFY_SOCKET given as ${kind}`, async (t) => {
    const server = listener(address)
    await until(() => server.stdout().startsWith('ready'))
    process.env.NOTIFY_SOCKET = address
    try {
      t.true(notify('READY=1\nSTATUS=Serving'))
    } finally {
      delete process.env.NOTIFY_SOCKET
    }
    const result = await server.done
    t.is(result.code, 0, result.stderr)
    t.is(result.stdout, 'ready\nREADY=1\nSTATUS=Serving')
    if (!address.startsWith('@')) require('node:fs').rmSync(address, { force: true })
  })
}

test.serial('notify is false without $NOTIFY_SOCKET; failures and bad states are coded', (t) => {
  delete process.env.NOTIFY_SOCKET
  t.false(notify('READY=1'))
  t.throws(() => notify(''), { code: 'ERR_INVALID_ARG_VALUE', message: /'state'/ })
  t.throws(() => notify(1 as never), { code: 'ERR_INVALID_ARG_TYPE' })
  try {
    process.env.NOTIFY_SOCKET = '/nonexistent/notify.sock'
    throwsSystemError(t, () => notify('READY=1'), 'ENOENT', 'sendto')
    process.env.NOTIFY_SOCKET = 'vsock:2:1234'
    throwsSystemError(t, () => notify('READY=1'), 'EAFNOSUPPORT', 'sd_notify')
  } finally {
    delete process.env.NOTIFY_SOCKET
  }
})
