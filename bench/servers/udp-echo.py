# UDP echo server of the UDP benchmark: Python's socket + select.epoll, one datagram per
# recvfrom/sendto (the socket module has no recvmmsg). Protocol (bench/udp.ts): FLOD datagrams are
# checked and counted, STAT is answered with the counts, everything else is echoed.
#   python3 udp-echo.py <port>     prints `listening <port>`, exits on SIGTERM
import select
import signal
import socket
import struct
import sys

PATTERN = bytes(range(256)) * 2
HEADER = 12

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
sock.bind(("127.0.0.1", int(sys.argv[-1])))
sock.setblocking(False)
print(f"listening {sock.getsockname()[1]}", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

ep = select.epoll()
ep.register(sock.fileno(), select.EPOLLIN)
good = bad = 0
recvfrom, sendto = sock.recvfrom, sock.sendto
while True:
    for _fd, _events in ep.poll():
        while True:
            try:
                data, sender = recvfrom(2048)
            except BlockingIOError:
                break
            tag = data[:4]
            if tag == b"FLOD":
                seq = struct.unpack_from("<I", data, 8)[0] & 0xFF if len(data) >= HEADER else -1
                if seq >= 0 and data[HEADER:] == PATTERN[seq : seq + len(data) - HEADER]:
                    good += 1
                else:
                    bad += 1
            elif tag == b"STAT":
                sendto(data[:HEADER] + struct.pack("<QQ", good, bad), sender)
            else:
                sendto(data, sender)
