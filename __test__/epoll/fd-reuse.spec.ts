import test from 'ava'
import { spawn } from 'node:child_process'

import { close, Epoll, EPOLLIN, pipe, write } from '../../index.js'
import { settle } from '../helpers/package-pipe.js'

test('a number closed without unregister, whose file a child still holds, cannot be registered again', async (t) => {
  using ep = new Epoll()
  const [r, w] = pipe()
  let oldEvents = 0
  ep.register(r, EPOLLIN, () => oldEvents++)
  // A child inherits the read end (as its fd 3): the file outlives our close(r).
  const child = spawn('sleep', ['5'], { stdio: ['ignore', 'ignore', 'ignore', r] })
  t.teardown(() => child.kill())
  close(r)
  const [r2, w2] = pipe()
  t.teardown(() => {
    close(r2)
    close(w2)
    close(w)
  })
  // fd numbers are reused lowest-first: the new pipe's read end takes the old number.
  t.is(r2, r, 'the number was reused')
  const reused = r2
  let newEvents = 0
  t.throws(() => ep.register(reused, EPOLLIN, () => newEvents++), { code: 'ERR_EPOLL_STALE_REGISTRATION' })
  t.false(ep.has(reused))
  write(w, Buffer.from('x')) // makes the OLD file readable
  await settle()
  t.is(newEvents, 0, 'the old registration never reaches a new handler')
})
