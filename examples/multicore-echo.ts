/**
 * The echo server of `echo-server.ts` on every core: one blocking epoll loop per worker thread, each
 * with its own listening socket on the same port (`reusePort: true`, i.e. SO_REUSEPORT), so the
 * kernel spreads incoming connections over the loops without any sharing between threads.
 *
 *   node --import tsx examples/multicore-echo.ts [port] [threads]   # threads: default one per core
 *
 * Prints `listening <port>` once every loop accepts connections; exits with code 0 on SIGTERM/SIGINT
 * (one eventfd, written once, stops all the loops).
 */
import { availableParallelism } from 'node:os'

import { main } from './echo-server.js'

const threads = Number(process.argv[3] ?? availableParallelism())
if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${process.argv[3]}`)

main(threads).catch((error) => {
  console.error(error)
  process.exit(1)
})
