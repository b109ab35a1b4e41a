/**
 * The io_uring engine: the choice of engine (`./engine`), the thread's ring at work (`./driver`) and
 * a socket stream's I/O on it (`./stream-io`).
 */
import { RingDriver } from './driver'
import { openedRing } from './engine'

export { ioEngine, type IoEngine } from './engine'
export { type RingHost, RingStreamIo } from './stream-io'

let driver: RingDriver | null = null

/** This thread's ring driver, or null when the engine is epoll. */
export function ringDriver(): RingDriver | null {
  if (driver !== null) return driver
  const ring = openedRing()
  if (ring === null) return null
  driver = new RingDriver(ring)
  return driver
}
