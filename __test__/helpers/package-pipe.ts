import { close, pipe, read, write } from '../../index.js'

/** A non-blocking pipe made by the package, closed by `using`. */
export function openPipe() {
  const [readFd, writeFd] = pipe()
  const chunk = Buffer.alloc(65536)
  return {
    readFd,
    writeFd,
    send(text = 'x') {
      write(writeFd, Buffer.from(text))
    },
    /** Reads everything buffered; returns the byte count. */
    drain() {
      let total = 0
      for (let n = read(readFd, chunk); n > 0; n = read(readFd, chunk)) total += n
      return total
    },
    [Symbol.dispose]() {
      close(readFd)
      close(writeFd)
    },
  }
}

export const tick = () => new Promise<void>((resolve) => setImmediate(resolve))
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Lets `ms` pass and then one full event-loop turn, so that a poll phase ran after the timer: events
 * that were ready by then have been dispatched (even if something blocked the loop meanwhile).
 */
export async function settle(ms = 20) {
  await sleep(ms)
  await tick()
}
