/**
 * Which I/O engine this thread's streams of sockets use: `io_uring` (a completion ring: a whole
 * turn's receives and sends in one system call) where the kernel gives one, else `epoll` (one
 * `read`/`write` per operation), with the same behaviour either way.
 *
 * `EPOLL_NAPI_ENGINE` chooses: `auto` (the default: io_uring when it can be had), `epoll` (never
 * io_uring), `io_uring` (io_uring, and a warning when it cannot be had: epoll is used then). The
 * choice is made once per thread, when the first stream opens or `ioEngine()` is asked, and
 * `NODE_DEBUG=epoll-napi` prints it.
 */
import { debuglog } from 'node:util'

import { requireNative } from '../../internal/native'

/** The engine of this thread's socket streams. */
export interface IoEngine {
  /** `'io_uring'` or `'epoll'`. */
  readonly name: 'io_uring' | 'epoll'
  /** Why it is not io_uring (`''` when it is): the kernel's refusal, or `EPOLL_NAPI_ENGINE=epoll`. */
  readonly reason: string
  /** The ring's setup flags (`''` for epoll). */
  readonly setup: string
}

/** The ring this thread opened: its fd and the room one receive completion needs. */
export interface OpenedRing {
  readonly fd: number
  readonly bufferSize: number
}

const debug = debuglog('epoll-napi')
const CHOICES = ['auto', 'epoll', 'io_uring'] as const

let engine: IoEngine | null = null
let ring: OpenedRing | null = null

/** What `EPOLL_NAPI_ENGINE` asks for; an unknown value is warned about once and read as `auto`. */
function requested(): (typeof CHOICES)[number] {
  const value = process.env.EPOLL_NAPI_ENGINE
  if (value === undefined || value === '') return 'auto'
  if ((CHOICES as readonly string[]).includes(value)) return value as (typeof CHOICES)[number]
  process.emitWarning(`EPOLL_NAPI_ENGINE=${JSON.stringify(value)} is not one of ${CHOICES.join(', ')}: using auto`, {
    code: 'EPOLL_NAPI_ENGINE_UNKNOWN',
  })
  return 'auto'
}

/**
 * The I/O engine of this thread's socket streams (`openStream` on a stream socket): io_uring where
 * the kernel gives a ring (Linux 5.19 or later, not refused by a seccomp profile or
 * `kernel.io_uring_disabled`, not under QEMU's user mode) unless `EPOLL_NAPI_ENGINE=epoll`, else
 * epoll. Either engine behaves the same; io_uring makes fewer system calls.
 *
 * ```ts
 * const { name, reason } = ioEngine()
 * console.log(name === 'io_uring' ? 'streams run on io_uring' : `streams run on epoll: ${reason}`)
 * ```
 */
export function ioEngine(): IoEngine {
  if (engine !== null) return engine
  const wanted = requested()
  if (wanted === 'epoll') {
    engine = { name: 'epoll', reason: 'EPOLL_NAPI_ENGINE=epoll', setup: '' }
  } else {
    const opened = requireNative().ringOpen()
    if (opened.fd >= 0) {
      ring = { fd: opened.fd, bufferSize: opened.bufferSize }
      engine = { name: 'io_uring', reason: '', setup: opened.setup }
    } else {
      engine = { name: 'epoll', reason: opened.reason, setup: '' }
      if (wanted === 'io_uring') {
        process.emitWarning(`EPOLL_NAPI_ENGINE=io_uring, but no ring can be had here (${opened.reason}): using epoll`, {
          code: 'EPOLL_NAPI_ENGINE_UNAVAILABLE',
        })
      }
    }
  }
  debug('engine %s%s', engine.name, engine.name === 'io_uring' ? ` (${engine.setup})` : ` (${engine.reason})`)
  return engine
}

/** This thread's ring, when the engine is io_uring. */
export function openedRing(): OpenedRing | null {
  ioEngine()
  return ring
}
