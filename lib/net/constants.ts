/**
 * The kernel's socket constants (address families, socket types, levels, protocols, options and
 * message flags) as named exports with literal types.
 *
 * These are the names and values of the Rust core's table (`crates/epoll-core/src/net/constants.rs`,
 * read from `libc`); `__test__/package/constants-agree.spec.ts` checks this typed copy, every entry, against
 * the table the native binding exports. The copy exists so that the values have literal types and stay importable
 * where the binding cannot load. The values are Linux's generic ones, shared by every target the
 * package builds for (x86_64, aarch64, armv7, riscv64).
 */
/** No address family (what an empty `sockaddr` says). */
export const AF_UNSPEC = 0
/** Unix domain sockets: a path, an abstract name, or unnamed. */
export const AF_UNIX = 1
/** IPv4. */
export const AF_INET = 2
/** IPv6. */
export const AF_INET6 = 10
/** Netlink: messages to and from the kernel (routes, links, addresses, ...). */
export const AF_NETLINK = 16
/** Packet sockets: whole link-layer frames (needs `CAP_NET_RAW`). */
export const AF_PACKET = 17
/** SocketCAN: controller area network frames (needs the `can` kernel module). */
export const AF_CAN = 29
/** A connected byte stream (TCP, unix stream). */
export const SOCK_STREAM = 1
/** Datagrams: messages with boundaries (UDP, unix datagram, ICMP echo). */
export const SOCK_DGRAM = 2
/** Raw protocol access (raw IP, netlink, CAN). */
export const SOCK_RAW = 3
/** A connected stream of messages that keeps their boundaries (unix seqpacket). */
export const SOCK_SEQPACKET = 5
/** The level of the socket options that apply to every family (`SO_*`). */
export const SOL_SOCKET = 1
/** The level of the IPv4 options (`IP_*`); protocol 0 picks the family default. */
export const IPPROTO_IP = 0
/** The level of the IPv6 options (`IPV6_*`). */
export const IPPROTO_IPV6 = 41
/** TCP, and the level of the `TCP_*` options. */
export const IPPROTO_TCP = 6
/** UDP. */
export const IPPROTO_UDP = 17
/** ICMP: with `SOCK_DGRAM`, an unprivileged ping socket (allowed by `net.ipv4.ping_group_range`). */
export const IPPROTO_ICMP = 1
/** ICMPv6. */
export const IPPROTO_ICMPV6 = 58
/** Raw IP: the caller writes the IP header. */
export const IPPROTO_RAW = 255
/** The netlink protocol of routes, links and addresses (what `ip` speaks). */
export const NETLINK_ROUTE = 0
/** Generic netlink (nl80211, taskstats, ...). */
export const NETLINK_GENERIC = 16
/** Raw CAN frames. */
export const CAN_RAW = 1
/** Bind a port that connections in `TIME_WAIT` still use (int). */
export const SO_REUSEADDR = 2
/** Several sockets share one port; the kernel spreads connections and datagrams by flow (int). */
export const SO_REUSEPORT = 15
/** The socket type, read-only (int). */
export const SO_TYPE = 3
/** The protocol, read-only (int). */
export const SO_PROTOCOL = 38
/** The address family, read-only (int). */
export const SO_DOMAIN = 39
/** The pending error, cleared by reading it (int). */
export const SO_ERROR = 4
/** The receive buffer size; the kernel doubles what is set (int). */
export const SO_RCVBUF = 8
/** The send buffer size; the kernel doubles what is set (int). */
export const SO_SNDBUF = 7
/** Send TCP keep-alive probes (int). */
export const SO_KEEPALIVE = 9
/** Allow sending to broadcast addresses (int). */
export const SO_BROADCAST = 6
/** What `close` does with unsent data: `struct linger`, two ints (8 bytes). */
export const SO_LINGER = 13
/** Bind to a network interface by name (bytes, up to 16; needs `CAP_NET_RAW`). */
export const SO_BINDTODEVICE = 25
/** Receive timestamps as control messages (int). */
export const SO_TIMESTAMP = 29
/** The queueing priority of sent packets (int). */
export const SO_PRIORITY = 12
/** The firewall mark of sent packets (int; needs `CAP_NET_ADMIN`). */
export const SO_MARK = 36
/** Receive the sender credentials on unix sockets (int). */
export const SO_PASSCRED = 16
/** Bytes needed before a stream is readable (int). */
export const SO_RCVLOWAT = 18
/** Microseconds to busy-poll the device on a blocking receive (int). */
export const SO_BUSY_POLL = 46
/** The CPU that handles the socket receive path (int). */
export const SO_INCOMING_CPU = 49
/** Send small writes at once instead of coalescing them (Nagle) (int). */
export const TCP_NODELAY = 1
/** Hold back partial frames until uncorked (int). */
export const TCP_CORK = 3
/** Idle seconds before the first keep-alive probe (int). */
export const TCP_KEEPIDLE = 4
/** Seconds between keep-alive probes (int). */
export const TCP_KEEPINTVL = 5
/** Unanswered probes before the connection is dropped (int). */
export const TCP_KEEPCNT = 6
/** Acknowledge at once instead of delaying (int). */
export const TCP_QUICKACK = 12
/** Milliseconds sent data may stay unacknowledged before the connection is dropped (int). */
export const TCP_USER_TIMEOUT = 18
/** The TCP Fast Open queue length of a listener (int). */
export const TCP_FASTOPEN = 23
/** The time-to-live of sent IPv4 packets (int). */
export const IP_TTL = 2
/** The type-of-service byte of sent IPv4 packets (int). */
export const IP_TOS = 1
/** The interface of sent multicast datagrams: `struct in_addr` (4 bytes) or `struct ip_mreqn` (12). */
export const IP_MULTICAST_IF = 32
/** The time-to-live of sent multicast datagrams (int). */
export const IP_MULTICAST_TTL = 33
/** Deliver sent multicast datagrams to this host too (int). */
export const IP_MULTICAST_LOOP = 34
/** Join a multicast group: `struct ip_mreq` (8 bytes) or `ip_mreqn` (12); see `addMembership`. */
export const IP_ADD_MEMBERSHIP = 35
/** Leave a multicast group (as `IP_ADD_MEMBERSHIP`); see `dropMembership`. */
export const IP_DROP_MEMBERSHIP = 36
/** Receive the destination address and interface as control messages (int). */
export const IP_PKTINFO = 8
/** Queue ICMP errors for `MSG_ERRQUEUE` (int). */
export const IP_RECVERR = 11
/** Bind to an address that is not (yet) local (int). */
export const IP_FREEBIND = 15
/** Transparent proxying (int; needs `CAP_NET_ADMIN`). */
export const IP_TRANSPARENT = 19
/** Path MTU discovery mode (int). */
export const IP_MTU_DISCOVER = 10
/** An IPv6 socket speaks IPv6 only, not IPv4-mapped addresses (int). */
export const IPV6_V6ONLY = 26
/** The hop limit of sent IPv6 packets (int). */
export const IPV6_UNICAST_HOPS = 16
/** The interface index of sent multicast datagrams (int). */
export const IPV6_MULTICAST_IF = 17
/** The hop limit of sent multicast datagrams (int). */
export const IPV6_MULTICAST_HOPS = 18
/** Deliver sent multicast datagrams to this host too (int). */
export const IPV6_MULTICAST_LOOP = 19
/** Join an IPv6 multicast group: `struct ipv6_mreq` (20 bytes); see `addMembership`. */
export const IPV6_ADD_MEMBERSHIP = 20
/** Leave an IPv6 multicast group (as `IPV6_ADD_MEMBERSHIP`). */
export const IPV6_DROP_MEMBERSHIP = 21
/** Receive the destination address and interface as control messages (int). */
export const IPV6_RECVPKTINFO = 49
/** In a batch slot flags: the datagram was larger than its slot and was cut. */
export const MSG_TRUNC = 32
/** In a batch slot flags: control data was cut. */
export const MSG_CTRUNC = 8

/** `shutdown(2)`: no more receptions. */
export const SHUT_RD = 0
/** `shutdown(2)`: no more transmissions (the peer reads end of file). */
export const SHUT_WR = 1
/** `shutdown(2)`: neither. */
export const SHUT_RDWR = 2
/** Every socket constant by name. Frozen. */
export const socketConstants = Object.freeze({
  /** {@link AF_UNSPEC} */
  AF_UNSPEC,
  /** {@link AF_UNIX} */
  AF_UNIX,
  /** {@link AF_INET} */
  AF_INET,
  /** {@link AF_INET6} */
  AF_INET6,
  /** {@link AF_NETLINK} */
  AF_NETLINK,
  /** {@link AF_PACKET} */
  AF_PACKET,
  /** {@link AF_CAN} */
  AF_CAN,
  /** {@link SOCK_STREAM} */
  SOCK_STREAM,
  /** {@link SOCK_DGRAM} */
  SOCK_DGRAM,
  /** {@link SOCK_RAW} */
  SOCK_RAW,
  /** {@link SOCK_SEQPACKET} */
  SOCK_SEQPACKET,
  /** {@link SOL_SOCKET} */
  SOL_SOCKET,
  /** {@link IPPROTO_IP} */
  IPPROTO_IP,
  /** {@link IPPROTO_IPV6} */
  IPPROTO_IPV6,
  /** {@link IPPROTO_TCP} */
  IPPROTO_TCP,
  /** {@link IPPROTO_UDP} */
  IPPROTO_UDP,
  /** {@link IPPROTO_ICMP} */
  IPPROTO_ICMP,
  /** {@link IPPROTO_ICMPV6} */
  IPPROTO_ICMPV6,
  /** {@link IPPROTO_RAW} */
  IPPROTO_RAW,
  /** {@link NETLINK_ROUTE} */
  NETLINK_ROUTE,
  /** {@link NETLINK_GENERIC} */
  NETLINK_GENERIC,
  /** {@link CAN_RAW} */
  CAN_RAW,
  /** {@link SO_REUSEADDR} */
  SO_REUSEADDR,
  /** {@link SO_REUSEPORT} */
  SO_REUSEPORT,
  /** {@link SO_TYPE} */
  SO_TYPE,
  /** {@link SO_PROTOCOL} */
  SO_PROTOCOL,
  /** {@link SO_DOMAIN} */
  SO_DOMAIN,
  /** {@link SO_ERROR} */
  SO_ERROR,
  /** {@link SO_RCVBUF} */
  SO_RCVBUF,
  /** {@link SO_SNDBUF} */
  SO_SNDBUF,
  /** {@link SO_KEEPALIVE} */
  SO_KEEPALIVE,
  /** {@link SO_BROADCAST} */
  SO_BROADCAST,
  /** {@link SO_LINGER} */
  SO_LINGER,
  /** {@link SO_BINDTODEVICE} */
  SO_BINDTODEVICE,
  /** {@link SO_TIMESTAMP} */
  SO_TIMESTAMP,
  /** {@link SO_PRIORITY} */
  SO_PRIORITY,
  /** {@link SO_MARK} */
  SO_MARK,
  /** {@link SO_PASSCRED} */
  SO_PASSCRED,
  /** {@link SO_RCVLOWAT} */
  SO_RCVLOWAT,
  /** {@link SO_BUSY_POLL} */
  SO_BUSY_POLL,
  /** {@link SO_INCOMING_CPU} */
  SO_INCOMING_CPU,
  /** {@link TCP_NODELAY} */
  TCP_NODELAY,
  /** {@link TCP_CORK} */
  TCP_CORK,
  /** {@link TCP_KEEPIDLE} */
  TCP_KEEPIDLE,
  /** {@link TCP_KEEPINTVL} */
  TCP_KEEPINTVL,
  /** {@link TCP_KEEPCNT} */
  TCP_KEEPCNT,
  /** {@link TCP_QUICKACK} */
  TCP_QUICKACK,
  /** {@link TCP_USER_TIMEOUT} */
  TCP_USER_TIMEOUT,
  /** {@link TCP_FASTOPEN} */
  TCP_FASTOPEN,
  /** {@link IP_TTL} */
  IP_TTL,
  /** {@link IP_TOS} */
  IP_TOS,
  /** {@link IP_MULTICAST_IF} */
  IP_MULTICAST_IF,
  /** {@link IP_MULTICAST_TTL} */
  IP_MULTICAST_TTL,
  /** {@link IP_MULTICAST_LOOP} */
  IP_MULTICAST_LOOP,
  /** {@link IP_ADD_MEMBERSHIP} */
  IP_ADD_MEMBERSHIP,
  /** {@link IP_DROP_MEMBERSHIP} */
  IP_DROP_MEMBERSHIP,
  /** {@link IP_PKTINFO} */
  IP_PKTINFO,
  /** {@link IP_RECVERR} */
  IP_RECVERR,
  /** {@link IP_FREEBIND} */
  IP_FREEBIND,
  /** {@link IP_TRANSPARENT} */
  IP_TRANSPARENT,
  /** {@link IP_MTU_DISCOVER} */
  IP_MTU_DISCOVER,
  /** {@link IPV6_V6ONLY} */
  IPV6_V6ONLY,
  /** {@link IPV6_UNICAST_HOPS} */
  IPV6_UNICAST_HOPS,
  /** {@link IPV6_MULTICAST_IF} */
  IPV6_MULTICAST_IF,
  /** {@link IPV6_MULTICAST_HOPS} */
  IPV6_MULTICAST_HOPS,
  /** {@link IPV6_MULTICAST_LOOP} */
  IPV6_MULTICAST_LOOP,
  /** {@link IPV6_ADD_MEMBERSHIP} */
  IPV6_ADD_MEMBERSHIP,
  /** {@link IPV6_DROP_MEMBERSHIP} */
  IPV6_DROP_MEMBERSHIP,
  /** {@link IPV6_RECVPKTINFO} */
  IPV6_RECVPKTINFO,
  /** {@link MSG_TRUNC} */
  MSG_TRUNC,
  /** {@link MSG_CTRUNC} */
  MSG_CTRUNC,
  /** {@link SHUT_RD} */
  SHUT_RD,
  /** {@link SHUT_WR} */
  SHUT_WR,
  /** {@link SHUT_RDWR} */
  SHUT_RDWR,
} as const)

/** The name of one socket constant, e.g. `'SO_REUSEADDR'`. */
export type SocketConstantName = keyof typeof socketConstants
