"""Dispatch cost in Python: one `epoll.poll()` returning `count` ready level-triggered fds, iterated;
with `handler`, each event also calls a per-fd callback from a dict (what a Python event loop does).
`dispatch.py <eventfd|fifo> <count> <rounds> <polls> [handler]` prints {"ns_per_event": median}."""
import json
import os
import select
import statistics
import sys
import tempfile
import time


def ready_fds(kind, count):
    if kind == "eventfd":
        return [os.eventfd(1, os.EFD_NONBLOCK | os.EFD_CLOEXEC) for _ in range(count)]
    path = os.path.join(tempfile.mkdtemp(), "fifo")
    os.mkfifo(path)
    fds = [os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC) for _ in range(count)]
    os.unlink(path)
    os.write(fds[0], b"x")
    return fds


def main():
    kind, count, rounds, polls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    with_handler = len(sys.argv) > 5 and sys.argv[5] == "handler"
    fds = ready_fds(kind, count)
    ep = select.epoll()
    for fd in fds:
        ep.register(fd, select.EPOLLIN)
    seen = [0]

    def on_event(fd, events):
        seen[0] += 1

    handlers = {fd: on_event for fd in fds}
    per_event = []
    for r in range(-1, rounds):
        start = time.perf_counter_ns()
        total = 0
        for _ in range(polls):
            events = ep.poll(0, count)
            if with_handler:
                for fd, ev in events:
                    handlers[fd](fd, ev)
            else:
                for fd, ev in events:
                    pass
            total += len(events)
        if r >= 0:
            per_event.append((time.perf_counter_ns() - start) / total)
    print(json.dumps({"ns_per_event": round(statistics.median(per_event), 2), "kind": kind, "count": count}))


main()
