/**
 * Starts a worker thread running a TypeScript example file. Node's `--import tsx` does not reach
 * worker threads on Node 20, so the worker registers tsx's require hook itself before loading the file.
 * The worker sees `workerData = { file, data }` and knows from `file` that it is the worker.
 */
import { Worker } from 'node:worker_threads'

export function startWorker(file: string, data: unknown): Worker {
  const source = `
    if (${JSON.stringify(file)}.endsWith('.ts')) require('tsx/cjs')
    require(${JSON.stringify(file)})`
  return new Worker(source, { eval: true, workerData: { file, data } })
}
