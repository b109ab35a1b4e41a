/**
 * The one `Epoll` that drives every stream of this thread (module state is per thread: a worker gets
 * its own), made when the first stream opens. It keeps the process alive exactly while some stream
 * needs it — one waiting for data its consumer asked for, or holding writes the kernel has not taken
 * yet — as libuv's handles do for `net.Socket`: an idle or paused stream lets the process exit.
 */
import { Epoll } from '../epoll/epoll'

let epoll: Epoll | null = null
let needing = 0

/** The thread's stream `Epoll`, unref'd until a stream says it needs it. */
export function streamEpoll(): Epoll {
  if (epoll === null) {
    epoll = new Epoll()
    epoll.unref()
  }
  return epoll
}

/** A stream starts (`true`) or stops (`false`) needing the event loop; calls come in pairs. */
export function needLoop(needs: boolean): void {
  needing += needs ? 1 : -1
  if (needs && needing === 1) streamEpoll().ref()
  else if (!needs && needing === 0) epoll?.unref()
}
