/* Dispatch cost in C: one epoll_wait returning `count` ready level-triggered fds, then a loop that
 * touches every event (as a dispatcher would). `dispatch <eventfd|fifo> <count> <rounds> <polls>`
 * prints {"ns_per_event": median over rounds}. */
#include <sys/epoll.h>
#include "fds.h"

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: dispatch <eventfd|fifo> <count> <rounds> <polls>\n");
        return 2;
    }
    const char *kind = argv[1];
    int count = atoi(argv[2]), rounds = atoi(argv[3]), polls = atoi(argv[4]);
    int *fds = calloc(count, sizeof *fds);
    struct epoll_event *events = calloc(count, sizeof *events);
    double *per_event = calloc(rounds, sizeof *per_event);
    open_ready_fds(kind, fds, count);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    for (int i = 0; i < count; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0) die("epoll_ctl");
    }
    unsigned long sink = 0;
    for (int r = -1; r < rounds; r++) { /* round -1 warms up */
        double start = now_ns();
        long total = 0;
        for (int p = 0; p < polls; p++) {
            int n = epoll_wait(ep, events, count, 0);
            if (n != count) {
                fprintf(stderr, "epoll_wait returned %d of %d\n", n, count);
                return 1;
            }
            for (int i = 0; i < n; i++) sink += events[i].data.fd ^ events[i].events;
            total += n;
        }
        if (r >= 0) per_event[r] = (now_ns() - start) / total;
    }
    printf("{\"ns_per_event\":%.2f,\"kind\":\"%s\",\"count\":%d,\"sink\":%lu}\n", median(per_event, rounds), kind, count, sink % 7);
    return 0;
}
