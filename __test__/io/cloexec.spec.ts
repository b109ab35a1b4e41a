/**
 * Close-on-exec everywhere: every fd the package opens (epoll instances, every kind of socket, pipes,
 * eventfds, timerfds, accepted connections, the fallback watcher's own eventfd) carries FD_CLOEXEC, so
 * no program the process starts can inherit it, however it is started.
 */
import test from 'ava'

import { runNode } from '../helpers/child.js'

const O_CLOEXEC = 0o2000000

for (const watcher of ['libuv', 'thread']) {
  test(`every fd the package opens is close-on-exec (${watcher} watcher)`, (t) => {
    const result = runNode(`
      process.env.EPOLL_NAPI_WATCHER = '${watcher}'
      const { readdirSync, readFileSync, rmSync } = require('node:fs')
      const { join } = require('node:path')
      const { tmpdir } = require('node:os')
      // (The listing's own directory fd is in it too; its number may be reused below: made covers that.)
      const before = new Set(readdirSync('/proc/self/fd'))
      const ep = new epoll.Epoll()
      const listener = epoll.listenTcp(0)
      const client = epoll.connectTcp(epoll.localAddress(listener).port)
      const path = join(tmpdir(), 'epoll-napi-cloexec-' + process.pid)
      const unixListener = epoll.listenUnix(path)
      const unixClient = epoll.connectUnix(path)
      const made = [ep.fd, listener, client, unixListener, unixClient, ...epoll.pipe(), ...epoll.socketpair(), epoll.eventfd(), epoll.timerfd({ initial: 1000 })]
      ep.register(listener, epoll.EPOLLIN, () => {
        const conn = epoll.accept(listener)
        if (conn < 0) return
        made.push(conn)
        ep.wait({ timeout: 10 }).then(() => {
          // Every fd opened since the start (the watcher's own included), with its open flags.
          const fresh = readdirSync('/proc/self/fd').filter((fd) => !before.has(fd)).map(Number)
          const flags = [...new Set([...made, ...fresh])].map((fd) => {
            try { return [Number(fd), parseInt(/flags:\\s+(\\d+)/.exec(readFileSync('/proc/self/fdinfo/' + fd, 'utf8'))[1], 8)] } catch { return null }
          }).filter(Boolean)
          const inherited = new epoll.Epoll({ closeOnExec: false }).fd // the one documented opt-out, as a control
          const control = parseInt(/flags:\\s+(\\d+)/.exec(readFileSync('/proc/self/fdinfo/' + inherited, 'utf8'))[1], 8)
          rmSync(path, { force: true })
          console.log(JSON.stringify({ made, flags, control, watcher: ep.watcher }))
          process.exit(0)
        })
      })
    `)
    t.is(result.status, 0, result.stderr)
    const out = JSON.parse(result.stdout) as { made: number[]; flags: [number, number][]; control: number; watcher: string }
    t.is(out.watcher, watcher)
    const seen = new Set(out.flags.map(([fd]) => fd))
    for (const fd of out.made) t.true(seen.has(fd), `fd ${fd} made by the package was listed`)
    t.deepEqual(out.flags.filter(([, flags]) => (flags & O_CLOEXEC) === 0), [], 'no fd without close-on-exec')
    t.is(out.control & O_CLOEXEC, 0, 'the check sees a missing close-on-exec (closeOnExec: false)')
  })
}
