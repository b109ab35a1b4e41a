import test from 'ava'
import type { StdioOptions } from 'node:child_process'
import { connect as netConnect } from 'node:net'
import { once } from 'node:events'

import { close, getBlocking, listenFds, listenTcp, localAddress, pipe, read, setBlocking, socketpair, write, WOULD_BLOCK } from '../../index.js'
import { ROOT } from '../helpers/child.js'
import { start, until } from '../helpers/daemon.js'
import { throwsSystemError } from '../helpers/errors.js'

test('setBlocking turns a pipe blocking and back, and getBlocking reads the mode', (t) => {
  const [r, w] = pipe()
  t.false(getBlocking(r), 'the package makes every fd non-blocking')
  setBlocking(r, true)
  t.true(getBlocking(r))
  t.false(getBlocking(w), 'the other end is another open file: unchanged')
  setBlocking(r, false)
  t.false(getBlocking(r))
  t.is(read(r, Buffer.alloc(4)), WOULD_BLOCK, 'non-blocking again: an empty pipe would block')
  close(r)
  close(w)
})

for (const nonBlocking of [false, true]) {
  test(`a child reading an inherited ${nonBlocking ? 'non-blocking pipe end finds it empty (EAGAIN)' : 'blocking pipe end waits for the bytes'}`, async (t) => {
    const [r, w] = pipe({ nonBlocking })
    t.is(getBlocking(r), !nonBlocking)
    t.is(getBlocking(w), !nonBlocking)
    // `head -c 3` reads the pipe before the bytes are written: it waits only on a blocking pipe. The
    // pipe is fd 3, not stdin: libuv makes a child's stdin, stdout and stderr blocking as it spawns it.
    const child = start('sh', ['-c', 'head -c 3 <&3'], { stdio: ['ignore', 'pipe', 'pipe', r] })
    await new Promise((resolve) => setTimeout(resolve, 300))
    write(w, Buffer.from('abc'))
    close(w)
    const result = await child.done
    if (nonBlocking) t.not(result.code, 0, 'head failed on the empty non-blocking pipe')
    else t.deepEqual([result.code, result.stdout], [0, 'abc'], result.stderr)
    close(r)
  })
}

test('pipe() is non-blocking by default and with nonBlocking: true; bad options are coded', (t) => {
  for (const [r, w] of [pipe(), pipe({ nonBlocking: true })]) {
    t.false(getBlocking(r))
    t.false(getBlocking(w))
    close(r)
    close(w)
  }
  t.throws(() => pipe({ nonBlocking: 1 as never }), { code: 'ERR_INVALID_ARG_TYPE', message: /"options.nonBlocking"/ })
  t.throws(() => pipe(1 as never), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('setBlocking works on sockets and refuses bad arguments before any system call', (t) => {
  const [a, b] = socketpair()
  setBlocking({ fd: a }, true)
  t.true(getBlocking({ fd: a }))
  t.throws(() => setBlocking(a, 'yes' as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"blocking"/ })
  t.true(getBlocking(a), 'unchanged by the refused call')
  t.throws(() => getBlocking(-1), { code: 'ERR_OUT_OF_RANGE' })
  close(a)
  close(b)
  throwsSystemError(t, () => getBlocking(a), 'EBADF', 'fcntl')
  throwsSystemError(t, () => setBlocking(a, false), 'EBADF', 'fcntl')
})

// A socket-activated child, passed a BLOCKING listening socket as systemd passes it: listenFds()
// makes it non-blocking by default (so an accept loop until WOULD_BLOCK returns), and with
// nonBlocking: false leaves it as passed.
const SERVICE = `
const e = require(${JSON.stringify(ROOT)})
const keep = process.argv[1] === 'keep'
const before = e.getBlocking(3)
const [fd] = e.listenFds(keep ? { nonBlocking: false } : {})
const after = e.getBlocking(fd)
let served = 0
if (!keep) {
  const ep = new e.Epoll()
  ep.register(fd, e.EPOLLIN)
  ep.poll(10000)
  // Accept until WOULD_BLOCK: on the fd as systemd passed it, the second accept would hang.
  for (let conn; (conn = e.accept(fd)) !== e.WOULD_BLOCK; served++) e.close(conn)
}
console.log(JSON.stringify({ before, after, served }))
`

for (const mode of ['default', 'keep'] as const) {
  test(`listenFds ${mode === 'keep' ? 'with nonBlocking: false leaves systemd\'s blocking fds as passed' : 'makes systemd\'s blocking fds non-blocking by default'}`, async (t) => {
    const listener = listenTcp(0)
    setBlocking(listener, true)
    const child = start('sh', ['-c', 'export LISTEN_PID=$$; exec "$0" -e "$1" "$2"', process.execPath, SERVICE, mode], {
      stdio: ['ignore', 'pipe', 'pipe', listener],
      env: { ...process.env, LISTEN_FDS: '1' },
    })
    if (mode === 'default') {
      const peer = netConnect({ port: localAddress(listener).port, host: '127.0.0.1' })
      await once(peer, 'connect')
      await until(() => child.stdout().includes('\n'))
      peer.destroy()
    }
    const result = await child.done
    t.is(result.code, 0, result.stderr)
    const out = JSON.parse(result.stdout)
    t.true(out.before, 'systemd passes a blocking socket')
    t.is(out.after, mode === 'keep')
    if (mode === 'default') t.is(out.served, 1)
    close(listener)
  })
}

test('listenFds refuses a bad nonBlocking option', (t) => {
  t.throws(() => listenFds({ nonBlocking: 'no' as never }), { code: 'ERR_INVALID_ARG_TYPE', message: /"options.nonBlocking"/ })
})

// O_NONBLOCK belongs to the open file, which a child shares with us when we pass it an fd. libuv makes
// a child's stdin, stdout and stderr blocking as it spawns it (uv_spawn, in the child, before exec):
// the fd we passed, which we still hold, is blocking from then on.
test('a non-blocking pipe end passed as a child\'s stdin, stdout or stderr comes back blocking (libuv makes the child\'s stdio blocking, and the open file is shared); as fd 3, or the pipe\'s other end, keeps its mode', async (t) => {
  for (const slot of [0, 1, 2, 3]) {
    const [r, w] = pipe()
    const passed = slot === 0 ? r : w
    const stdio: StdioOptions = ['ignore', 'ignore', 'ignore']
    stdio[slot] = passed
    const child = start('true', [], { stdio })
    await once(child.child, 'spawn')
    t.is(getBlocking(passed), slot <= 2, `passed as stdio[${slot}]`)
    t.false(getBlocking(passed === r ? w : r), 'the other end is another open file: unchanged')
    await child.done
    close(r)
    close(w)
  }
})

test('setBlocking(fd, false) on a passed stdin while the child runs makes the CHILD\'s stdin non-blocking too: head fails with EAGAIN on the empty pipe', async (t) => {
  const [r, w] = pipe()
  // head reads after the change (a read already waiting in the kernel would go on waiting).
  const child = start('sh', ['-c', 'sleep 0.2; exec head -c 3'], { stdio: [r, 'pipe', 'pipe'] })
  await once(child.child, 'spawn')
  setBlocking(r, false)
  await new Promise((resolve) => setTimeout(resolve, 500))
  write(w, Buffer.from('abc'))
  const result = await child.done
  t.not(result.code, 0)
  t.regex(result.stderr, /Resource temporarily unavailable/)
  close(r)
  close(w)
})

test('pipe({ nonBlocking: false }) for the child\'s end and setBlocking(ourEnd, false): the child reads blocking, our end stays non-blocking', async (t) => {
  const [r, w] = pipe({ nonBlocking: false })
  setBlocking(w, false)
  const child = start('head', ['-c', '3'], { stdio: [r, 'pipe', 'pipe'] })
  await once(child.child, 'spawn')
  close(r)
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.false(getBlocking(w))
  write(w, Buffer.from('abc'))
  const result = await child.done
  t.deepEqual([result.code, result.stdout], [0, 'abc'], result.stderr)
  close(w)
})
