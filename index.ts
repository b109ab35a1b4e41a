/**
 * epoll-napi: Linux epoll for Node.js and TypeScript.
 *
 * ```ts
 * import { Epoll, EPOLLIN, EPOLLET } from 'epoll-napi'
 * using ep = new Epoll()
 * ep.register(fd, EPOLLIN | EPOLLET)
 * for (const [fd, events] of ep.poll(1000)) { ... }
 * ```
 */
// Named re-exports rather than `export *`: compiled to CommonJS, `export *` goes through one shared
// getter with a computed key (a megamorphic load on every use of a flag or of read/write); a named
// re-export gets its own getter, which V8 inlines.
export {
  constants,
  DEFAULT_EVENTS,
  EPOLLERR,
  EPOLLET,
  EPOLLEXCLUSIVE,
  EPOLLHUP,
  EPOLLIN,
  EPOLLMSG,
  EPOLLONESHOT,
  EPOLLOUT,
  EPOLLPRI,
  EPOLLRDBAND,
  EPOLLRDHUP,
  EPOLLRDNORM,
  EPOLLWAKEUP,
  EPOLLWRBAND,
  EPOLLWRNORM,
  type EpollFlagName,
} from './lib/constants'
export { describeEvents } from './lib/describe'
export { AbortError } from './lib/abort'
export { DEFAULT_MAX_EVENTS, Epoll, MAX_EVENTS_PER_POLL, type EpollEvent, type EpollOptions, type EventHandler, type WaitOptions } from './lib/epoll'
export type { ErrorCode, SystemError } from './lib/errors'
export {
  accept,
  close,
  connectTcp,
  connectUnix,
  DEFAULT_BACKLOG,
  DEFAULT_HOST,
  eventfd,
  type EventfdOptions,
  IOV_MAX,
  listenTcp,
  type ListenOptions,
  listenUnix,
  localAddress,
  pipe,
  read,
  readCounter,
  readv,
  remoteAddress,
  setNoDelay,
  setTimer,
  shutdown,
  type SocketAddress,
  socketError,
  socketpair,
  timerfd,
  type TimerOptions,
  write,
  writeCounter,
  writev,
  WOULD_BLOCK,
} from './lib/io'
export { supported } from './lib/native'
export type { Fd } from './lib/validate'
export { NOT_READ, pollRead, writeMany, writeSlots } from './lib/batch'
