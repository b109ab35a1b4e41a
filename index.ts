/**
 * epoll-napi: Linux epoll for Node.js and TypeScript.
 *
 * ```ts
 * import { Epoll, EPOLLIN, EPOLLET, describeEvents } from 'epoll-napi'
 * using ep = new Epoll()
 * ep.register(fd, EPOLLIN | EPOLLET)
 * for (const [readyFd, events] of ep.poll(1000)) console.log(readyFd, describeEvents(events))
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
} from './lib/epoll/flags'
export { describeEvents } from './lib/epoll/describe'
export { AbortError } from './lib/internal/abort'
export { DEFAULT_MAX_EVENTS, Epoll, MAX_EVENTS_PER_POLL, type EpollEvent, type EpollOptions, type EventHandler, type ReadinessOptions, type WaitOptions } from './lib/epoll/epoll'
export type { ErrorCode, SystemError } from './lib/internal/errors'
export { close, getBlocking, IOV_MAX, pipe, type PipeOptions, read, readv, setBlocking, write, writev, WOULD_BLOCK } from './lib/io/fd'
// Any pollable fd as a stream.Duplex (lib/io/stream.ts).
export { FdStream, openStream, type OpenStreamOptions } from './lib/io/stream'
export { type IoEngine, ioEngine } from './lib/io/ring/index'
export { eventfd, type EventfdOptions, readCounter, setTimer, timerfd, type TimerOptions, writeCounter } from './lib/io/counters'
export { supported } from './lib/internal/native'
export type { Fd } from './lib/internal/validators'
export { BUSY_POLL_BUDGET_UNPRIVILEGED, type BusyPollOptions } from './lib/epoll/busy-poll'
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
} from './lib/daemon/constants'
export { peerCredentials, type PeerCredentials, type ReceivedFds, recvFds, SCM_MAX_FD, sendFds } from './lib/daemon/fdpass'
export { addWatch, describeInotify, inotify, type InotifyEvent, readInotifyEvents, removeWatch } from './lib/daemon/inotify'
export { ioctl, type IoctlDirection, ioctlRequest } from './lib/daemon/ioctl'
export { pidfdOpen, pidfdSendSignal } from './lib/daemon/pidfd'
export { type ListenFd, listenFds, type ListenFdsOptions, notify } from './lib/daemon/systemd'
// Sockets of every kind (lib/net/): made and connected, datagrams, batches of them, options, addresses.
export {
  accept,
  type Accepted,
  type AcceptOptions,
  bind,
  connect,
  connectTcp,
  connectUnix,
  DEFAULT_BACKLOG,
  DEFAULT_HOST,
  listen,
  listenTcp,
  type ListenOptions,
  listenUnix,
  localAddress,
  remoteAddress,
  setNoDelay,
  shutdown,
  socket,
  socketError,
  type SocketFamily,
  socketpair,
  type SocketType,
} from './lib/net/socket'
export { type Datagram, listenUdp, recvFrom, sendTo, type UdpOptions } from './lib/net/datagram'
export { type PeerAddress, type ReceivedDatagram, Socket } from './lib/net/socket-object'
export { type Connection, connections, type ConnectionsOptions } from './lib/net/connections'
export { datagrams, type DatagramsOptions, type IncomingDatagram } from './lib/net/datagrams'
export { addMembership, dropMembership, getSocketOption, setSocketOption } from './lib/net/options'
export type { Address, IpAddress, SocketAddress, UnixPath } from './lib/net/address'
export {
  ADDRESS_SLOT_SIZE,
  MAX_MESSAGES,
  MessageBatch,
  type MessageBatchOptions,
  META_STRIDE,
  recvMessages,
  sendMessages,
} from './lib/net/message-batch'
export {
  AF_UNSPEC,
  AF_UNIX,
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  AF_PACKET,
  AF_CAN,
  SOCK_STREAM,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_SEQPACKET,
  SOL_SOCKET,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_RAW,
  NETLINK_ROUTE,
  NETLINK_GENERIC,
  CAN_RAW,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_TYPE,
  SO_PROTOCOL,
  SO_DOMAIN,
  SO_ERROR,
  SO_RCVBUF,
  SO_SNDBUF,
  SO_KEEPALIVE,
  SO_BROADCAST,
  SO_LINGER,
  SO_BINDTODEVICE,
  SO_TIMESTAMP,
  SO_PRIORITY,
  SO_MARK,
  SO_PASSCRED,
  SO_RCVLOWAT,
  SO_BUSY_POLL,
  SO_INCOMING_CPU,
  TCP_NODELAY,
  TCP_CORK,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_KEEPCNT,
  TCP_QUICKACK,
  TCP_USER_TIMEOUT,
  TCP_FASTOPEN,
  IP_TTL,
  IP_TOS,
  IP_MULTICAST_IF,
  IP_MULTICAST_TTL,
  IP_MULTICAST_LOOP,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_PKTINFO,
  IP_RECVERR,
  IP_FREEBIND,
  IP_TRANSPARENT,
  IP_MTU_DISCOVER,
  IPV6_V6ONLY,
  IPV6_UNICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_LOOP,
  IPV6_ADD_MEMBERSHIP,
  IPV6_DROP_MEMBERSHIP,
  IPV6_RECVPKTINFO,
  MSG_TRUNC,
  MSG_CTRUNC,
  SHUT_RD,
  SHUT_WR,
  SHUT_RDWR,
  type SocketConstantName,
  socketConstants,
} from './lib/net/constants'
// Many fds per crossing (lib/io/many-fds.ts).
export { NOT_READ, pollRead, writeMany, writeSlots } from './lib/io/many-fds'
