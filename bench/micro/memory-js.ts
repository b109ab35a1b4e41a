/**
 * Memory and fd leaks: RSS and open fds after `cycles` register/modify/unregister cycles on one
 * eventfd, and after `instances` Epoll instances created and dropped without close() (the garbage
 * collector must close them; `gc()` runs every 5,000 so that the 20,000-fd limit is not the test).
 * Run with --expose-gc. `memory-js.ts <cycles> <instances>` prints JSON.
 */
import { readdirSync } from 'node:fs'
import { pkg } from './js-fds'

declare const gc: () => void

const [cyclesArg, instancesArg] = process.argv.slice(2)
const cycles = Number(cyclesArg)
const instances = Number(instancesArg)
const openFdCount = () => readdirSync('/proc/self/fd').length
const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(2))

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

async function main(): Promise<void> {
  const efd: number = pkg.eventfd(0)
  const ep = new pkg.Epoll()
  const cycle = () => {
    ep.register(efd, pkg.EPOLLIN)
    ep.modify(efd, pkg.EPOLLOUT)
    ep.unregister(efd)
  }
  for (let i = 0; i < 10_000; i++) cycle()
  await settle()
  const rss0 = process.memoryUsage().rss
  const fds0 = openFdCount()
  for (let i = 0; i < cycles; i++) cycle()
  await settle()
  const rss1 = process.memoryUsage().rss
  const fds1 = openFdCount()

  for (let i = 0; i < 1_000; i++) new pkg.Epoll()
  await settle()
  const rss2 = process.memoryUsage().rss
  const fds2 = openFdCount()
  for (let i = 0; i < instances; i++) {
    new pkg.Epoll()
    if (i % 5_000 === 4_999) await settle()
  }
  await settle()
  const rss3 = process.memoryUsage().rss
  const fds3 = openFdCount()
  ep.close()
  console.log(
    JSON.stringify({
      cycles,
      cycles_rss_growth_mb: mb(rss1 - rss0),
      cycles_fd_growth: fds1 - fds0,
      instances,
      instances_rss_growth_mb: mb(rss3 - rss2),
      instances_fd_growth: fds3 - fds2,
      rss_mb: mb(rss3),
    }),
  )
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
