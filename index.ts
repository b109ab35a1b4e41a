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
export { DEFAULT_MAX_EVENTS, Epoll, MAX_EVENTS_PER_POLL, type EpollEvent, type EpollOptions, type EventHandler, type ReadinessOptions, type WaitOptions } from './lib/epoll'
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
export { BUSY_POLL_BUDGET_UNPRIVILEGED, type BusyPollOptions } from './lib/busy-poll'
export {
  IN_ACCESS,
  IN_ALL_EVENTS,
  IN_ATTRIB,
  IN_CLOSE,
  IN_CLOSE_NOWRITE,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_DONT_FOLLOW,
  IN_EXCL_UNLINK,
  IN_IGNORED,
  IN_ISDIR,
  IN_MASK_ADD,
  IN_MASK_CREATE,
  IN_MODIFY,
  IN_MOVE,
  IN_MOVE_SELF,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_ONESHOT,
  IN_ONLYDIR,
  IN_OPEN,
  IN_Q_OVERFLOW,
  IN_UNMOUNT,
  inotifyConstants,
  IOC_DIRBITS,
  IOC_NONE,
  IOC_NRBITS,
  IOC_READ,
  IOC_SIZEBITS,
  IOC_TYPEBITS,
  IOC_WRITE,
  ioctlConstants,
} from './lib/daemon-constants'
export { peerCredentials, type PeerCredentials, type ReceivedFds, recvFds, SCM_MAX_FD, sendFds } from './lib/fdpass'
export { addWatch, inotify, type InotifyEvent, readInotifyEvents, removeWatch } from './lib/inotify'
export { ioctl, type IoctlDirection, ioctlRequest } from './lib/ioctl'
export { pidfdOpen, pidfdSendSignal } from './lib/process'
export { type ListenFd, listenFds, type ListenFdsOptions, notify } from './lib/systemd'
