"""The textbook level-triggered `select.epoll` echo server: recv what is there, send it back; only a
short send keeps the rest and waits for EPOLLOUT. Echo-server contract: `echo.py <port>` (0 = any),
prints `listening <port>`, exits cleanly on SIGTERM."""
import select
import signal
import socket
import sys


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(socket.SOMAXCONN)
    server.setblocking(False)
    ep = select.epoll()
    ep.register(server.fileno(), select.EPOLLIN)
    conns = {}
    pending = {}
    print(f"listening {server.getsockname()[1]}", flush=True)
    while True:
        for fd, events in ep.poll():
            if fd == server.fileno():
                try:
                    while True:
                        conn, _ = server.accept()
                        conn.setblocking(False)
                        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                        conns[conn.fileno()] = conn
                        ep.register(conn.fileno(), select.EPOLLIN)
                except BlockingIOError:
                    pass
                continue
            conn = conns[fd]
            try:
                if events & select.EPOLLOUT:
                    data = pending.pop(fd)
                    sent = conn.send(data)
                    if sent < len(data):
                        pending[fd] = data[sent:]
                    else:
                        ep.modify(fd, select.EPOLLIN)
                    continue
                data = conn.recv(65536)
                if not data:
                    raise ConnectionResetError
                sent = conn.send(data)
                if sent < len(data):
                    pending[fd] = data[sent:]
                    ep.modify(fd, select.EPOLLOUT)
            except BlockingIOError:
                pass
            except OSError:
                ep.unregister(fd)
                conns.pop(fd).close()
                pending.pop(fd, None)


if __name__ == "__main__":
    main()
