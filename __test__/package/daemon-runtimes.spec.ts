import test from 'ava'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import { close, IN_CLOSE_WRITE, listenTcp, localAddress } from '../../index.js'
import { busyPollUnavailable } from '../helpers/busy-poll-support.js'
import { scaled } from '../helpers/emulation.js'
import { ROOT } from '../helpers/child.js'
import { pwait2Unavailable } from '../helpers/pwait2.js'
import { RUNTIMES, runIn, runtimeInstalled } from '../helpers/package/runtimes.js'
import { daemonSmokeExpected } from '../fixtures/daemon-expectations.cjs'

const SMOKE = join(__dirname, '..', 'fixtures', 'daemon-smoke.cjs')
const ACTIVATED = join(__dirname, '..', 'fixtures', 'daemon-activated.cjs')

// Serial: ten runtime processes at once would load a shared machine more than the rest of the suite does.

for (const name of Object.keys(RUNTIMES)) {
  test.serial(`fd passing, ioctl, inotify, pidfd, systemd helpers, busy polling and short timeouts work in ${name}`, (t) => {
    t.true(runtimeInstalled(name), `${name} is installed by npm ci into runtimes/`)
    const result = runIn(name, SMOKE, [ROOT])
    t.is(result.status, 0, result.stderr)
    const { shortPollUnderOneMs, ...out } = JSON.parse(result.stdout.trim().split('\n').pop()!)
    // Sub-millisecond timeouts need epoll_pwait2; without it (QEMU 7.2, Linux < 5.11) a wait rounds up
    // to whole milliseconds, and whether 9 tries of poll(0.1) stay under 1 ms is the host's timer slack.
    if (pwait2Unavailable) t.log(`${pwait2Unavailable}: the shortest poll(0.1) took ${shortPollUnderOneMs ? 'less' : 'more'} than 1 ms`)
    else t.true(shortPollUnderOneMs, 'the shortest of 9 poll(0.1) calls took less than 1 ms')
    t.deepEqual(out, daemonSmokeExpected({ inCloseWrite: IN_CLOSE_WRITE, busyPollUnavailable }))
  })

  test.serial(`listenFds finds an inherited socket when ${name} is socket-activated`, (t) => {
    const socket = listenTcp(0)
    const runtime = RUNTIMES[name]
    const result = spawnSync('sh', ['-c', 'export LISTEN_PID=$$; exec "$@"', 'sh', runtime.command, ...runtime.args, ACTIVATED, ROOT], {
      encoding: 'utf8',
      timeout: scaled(60_000),
      stdio: ['ignore', 'pipe', 'pipe', socket],
      env: { ...process.env, NO_COLOR: '1', LISTEN_FDS: '1', LISTEN_FDNAMES: 'http' },
    })
    t.is(result.status, 0, result.stderr)
    t.deepEqual(JSON.parse(result.stdout.trim().split('\n').pop()!), {
      fds: [{ fd: 3, name: 'http' }],
      port: localAddress(socket).port,
      unset: true,
    })
    close(socket)
  })
}
