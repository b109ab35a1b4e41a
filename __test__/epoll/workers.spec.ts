import test from 'ava'
import { Worker } from 'node:worker_threads'

import { ROOT, runNode } from '../helpers/child.js'

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { Epoll, EPOLLIN, pipe, write, read } = require(workerData.root)
const ep = new Epoll()
const [r, w] = pipe()
let served = 0
ep.register(r, EPOLLIN, (events, fd) => {
  read(fd, Buffer.alloc(64))
  if (++served === 10) {
    parentPort.postMessage({ served, watcher: ep.watcher })
    if (workerData.close) ep.close()
  }
})
const timer = setInterval(() => { write(w, Buffer.from('x')); if (served >= 10) clearInterval(timer) }, 1)
`

function runWorker(close: boolean): Promise<{ served: number; watcher: string; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { root: ROOT, close } })
    let message: { served: number; watcher: string } | undefined
    worker.on('message', (m) => (message = m))
    worker.on('error', reject)
    worker.on('exit', (exitCode) => resolve({ ...message!, exitCode }))
  })
}

test('handlers run on the loop of the worker that owns the instance, and the worker exits after close', async (t) => {
  const results = await Promise.all([runWorker(true), runWorker(true), runWorker(true)])
  for (const result of results) t.deepEqual(result, { served: 10, watcher: 'libuv', exitCode: 0 })
})

for (const watcher of ['libuv', 'thread']) {
  test(`terminating a worker whose instances are watching is safe (${watcher} watcher)`, (t) => {
    const result = runNode(
      `
      process.env.EPOLL_NAPI_WATCHER = ${JSON.stringify(watcher)}
      const { Worker } = require('node:worker_threads')
      const source = ${JSON.stringify(`
        const { parentPort, workerData } = require('node:worker_threads')
        const { Epoll, EPOLLIN, pipe, write } = require(workerData.root)
        const instances = []
        for (let i = 0; i < 5; i++) {
          const ep = new Epoll()
          const [r, w] = pipe()
          ep.register(r, EPOLLIN, () => {}) // level-triggered and never read: dispatching all the time
          write(w, Buffer.from('x'))
          ep.wait()
          instances.push(ep)
        }
        setTimeout(() => parentPort.postMessage('watching'), 20)
      `)}
      let finished = 0
      for (let i = 0; i < 4; i++) {
        const worker = new Worker(source, { eval: true, workerData: { root: ${JSON.stringify(ROOT)} } })
        worker.on('message', () => worker.terminate())
        worker.on('exit', () => { if (++finished === 4) console.log('all terminated') })
      }
    `,
      { timeout: 30_000 },
    )
    t.is(result.signal, null, result.stderr)
    t.is(result.status, 0, result.stderr)
    t.is(result.stdout.trim(), 'all terminated')
  })
}
