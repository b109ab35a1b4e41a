//! The kernel's socket constants by name, from `libc`: the one source of their values.
//!
//! The binding exports this table as `constantTables().socket`; the TypeScript named exports (and
//! the socket-option table) are typed copies that one spec checks against every entry of it.

/// `(name, value)` of every address family, socket type, level, protocol, option, message flag and
/// shutdown direction the package names, grouped as the headers group them.
pub const SOCKET_CONSTANTS: &[(&str, i32)] = &[
    // address families
    ("AF_UNSPEC", libc::AF_UNSPEC),
    ("AF_UNIX", libc::AF_UNIX),
    ("AF_INET", libc::AF_INET),
    ("AF_INET6", libc::AF_INET6),
    ("AF_NETLINK", libc::AF_NETLINK),
    ("AF_PACKET", libc::AF_PACKET),
    ("AF_CAN", libc::AF_CAN),
    // socket types
    ("SOCK_STREAM", libc::SOCK_STREAM),
    ("SOCK_DGRAM", libc::SOCK_DGRAM),
    ("SOCK_RAW", libc::SOCK_RAW),
    ("SOCK_SEQPACKET", libc::SOCK_SEQPACKET),
    // levels and protocols
    ("SOL_SOCKET", libc::SOL_SOCKET),
    ("IPPROTO_IP", libc::IPPROTO_IP),
    ("IPPROTO_IPV6", libc::IPPROTO_IPV6),
    ("IPPROTO_TCP", libc::IPPROTO_TCP),
    ("IPPROTO_UDP", libc::IPPROTO_UDP),
    ("IPPROTO_ICMP", libc::IPPROTO_ICMP),
    ("IPPROTO_ICMPV6", libc::IPPROTO_ICMPV6),
    ("IPPROTO_RAW", libc::IPPROTO_RAW),
    ("NETLINK_ROUTE", libc::NETLINK_ROUTE),
    ("NETLINK_GENERIC", libc::NETLINK_GENERIC),
    ("CAN_RAW", libc::CAN_RAW),
    // SOL_SOCKET options
    ("SO_REUSEADDR", libc::SO_REUSEADDR),
    ("SO_REUSEPORT", libc::SO_REUSEPORT),
    ("SO_TYPE", libc::SO_TYPE),
    ("SO_PROTOCOL", libc::SO_PROTOCOL),
    ("SO_DOMAIN", libc::SO_DOMAIN),
    ("SO_ERROR", libc::SO_ERROR),
    ("SO_RCVBUF", libc::SO_RCVBUF),
    ("SO_SNDBUF", libc::SO_SNDBUF),
    ("SO_KEEPALIVE", libc::SO_KEEPALIVE),
    ("SO_BROADCAST", libc::SO_BROADCAST),
    ("SO_LINGER", libc::SO_LINGER),
    ("SO_BINDTODEVICE", libc::SO_BINDTODEVICE),
    ("SO_TIMESTAMP", libc::SO_TIMESTAMP),
    ("SO_PRIORITY", libc::SO_PRIORITY),
    ("SO_MARK", libc::SO_MARK),
    ("SO_PASSCRED", libc::SO_PASSCRED),
    ("SO_RCVLOWAT", libc::SO_RCVLOWAT),
    ("SO_BUSY_POLL", libc::SO_BUSY_POLL),
    ("SO_INCOMING_CPU", libc::SO_INCOMING_CPU),
    // TCP options
    ("TCP_NODELAY", libc::TCP_NODELAY),
    ("TCP_CORK", libc::TCP_CORK),
    ("TCP_KEEPIDLE", libc::TCP_KEEPIDLE),
    ("TCP_KEEPINTVL", libc::TCP_KEEPINTVL),
    ("TCP_KEEPCNT", libc::TCP_KEEPCNT),
    ("TCP_QUICKACK", libc::TCP_QUICKACK),
    ("TCP_USER_TIMEOUT", libc::TCP_USER_TIMEOUT),
    ("TCP_FASTOPEN", libc::TCP_FASTOPEN),
    // IPv4 options
    ("IP_TTL", libc::IP_TTL),
    ("IP_TOS", libc::IP_TOS),
    ("IP_MULTICAST_IF", libc::IP_MULTICAST_IF),
    ("IP_MULTICAST_TTL", libc::IP_MULTICAST_TTL),
    ("IP_MULTICAST_LOOP", libc::IP_MULTICAST_LOOP),
    ("IP_ADD_MEMBERSHIP", libc::IP_ADD_MEMBERSHIP),
    ("IP_DROP_MEMBERSHIP", libc::IP_DROP_MEMBERSHIP),
    ("IP_PKTINFO", libc::IP_PKTINFO),
    ("IP_RECVERR", libc::IP_RECVERR),
    ("IP_FREEBIND", libc::IP_FREEBIND),
    ("IP_TRANSPARENT", libc::IP_TRANSPARENT),
    ("IP_MTU_DISCOVER", libc::IP_MTU_DISCOVER),
    // IPv6 options
    ("IPV6_V6ONLY", libc::IPV6_V6ONLY),
    ("IPV6_UNICAST_HOPS", libc::IPV6_UNICAST_HOPS),
    ("IPV6_MULTICAST_IF", libc::IPV6_MULTICAST_IF),
    ("IPV6_MULTICAST_HOPS", libc::IPV6_MULTICAST_HOPS),
    ("IPV6_MULTICAST_LOOP", libc::IPV6_MULTICAST_LOOP),
    ("IPV6_ADD_MEMBERSHIP", libc::IPV6_ADD_MEMBERSHIP),
    ("IPV6_DROP_MEMBERSHIP", libc::IPV6_DROP_MEMBERSHIP),
    ("IPV6_RECVPKTINFO", libc::IPV6_RECVPKTINFO),
    // message flags (the `flags` of a batch slot)
    ("MSG_TRUNC", libc::MSG_TRUNC),
    ("MSG_CTRUNC", libc::MSG_CTRUNC),
    // shutdown(2) directions
    ("SHUT_RD", libc::SHUT_RD),
    ("SHUT_WR", libc::SHUT_WR),
    ("SHUT_RDWR", libc::SHUT_RDWR),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_listed_once() {
        let mut names: Vec<_> = SOCKET_CONSTANTS.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }
}
