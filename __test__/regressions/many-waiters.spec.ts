import test from 'ava'
// Regression spec for issue 23, item 4: 30,000 readable() waiters on one eventfd took 8.6-11.4 s to
// settle (each add and each settle scanned every other waiter, and each had its own Node timer).
// Checked here is what must hold at that scale, without a timing threshold (the times are in the
// issue's closing note): every waiter settles, nothing stays registered, the timeouts share one
// Node timer, and the process exits by itself. Run in a child so that a leftover timer or watcher
// shows as a process that does not exit.

import { runNode } from '../helpers/child.js'
import { scaled } from '../helpers/emulation.js'

const WAITERS = 30_000

test('item 4: 30,000 readable() and wait() timeouts on one eventfd all settle, share one timer, and leave nothing behind', (t) => {
  const result = runNode(
    `
    const { Epoll, eventfd } = epoll
    const ep = new Epoll()
    const efd = eventfd(0)
    const readable = []
    for (let i = 0; i < ${WAITERS}; i++) readable.push(ep.readable(efd, { timeout: 200 }))
    const waits = []
    for (let i = 0; i < ${WAITERS}; i++) waits.push(ep.wait({ timeout: 100 + (i % 7) }))
    const timers = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
    const registered = ep.size
    Promise.all([Promise.all(readable), Promise.all(waits)]).then(([ready, batches]) => {
      console.log(JSON.stringify({
        timers,
        registered,
        zeros: ready.filter((events) => events === 0).length,
        empty: batches.filter((batch) => batch.length === 0).length,
        left: ep.size,
        stillHas: ep.has(efd),
      }))
      // No close(): the process must exit with nothing pending.
    })
    `,
    { timeout: scaled(60_000) },
  )
  t.is(result.signal, null, `killed: something kept the process alive\n${result.stderr}`)
  t.is(result.status, 0, result.stderr)
  const outcome = JSON.parse(result.stdout) as Record<string, number | boolean>
  t.deepEqual(outcome, { timers: 1, registered: 1, zeros: WAITERS, empty: WAITERS, left: 0, stillHas: false })
})

test('item 4: the shared timer follows unref(): pending timeouts of every kind let the process exit', (t) => {
  const result = runNode(
    `
    const { Epoll, eventfd } = epoll
    const ep = new Epoll()
    const efd = eventfd(0)
    for (let i = 0; i < 1000; i++) ep.readable(efd, { timeout: 600000 + i })
    ep.wait({ timeout: 600000 })
    ep.writable(eventfd(0), { timeout: 0 }).then(() => {})
    ep.unref()
    ep.ref()
    ep.unref()
    `,
    { timeout: scaled(20_000) },
  )
  t.is(result.signal, null, `killed: a pending timeout kept the process alive\n${result.stderr}`)
  t.is(result.status, 0, result.stderr)
})
