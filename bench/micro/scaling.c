/* Poll cost against idle registrations. This machine allows 20,000 open fds per process, so the idle
 * fds are created in batches, registered, handed with SCM_RIGHTS to holder processes that keep them
 * open (a registration lives as long as its open file description), and closed here.
 *
 *   scaling hold <idle>        registers <idle> idle eventfds in the epoll fd inherited as fd 3,
 *                              prints "ready", and keeps them until stdin reaches EOF.
 *   scaling measure <kind> <idle> <rounds> <polls>
 *                              C baseline: epoll_wait with 1 ready fd and <idle> idle ones,
 *                              prints {"ns_per_poll": median over rounds}. */
#include "fds.h"
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define PER_HOLDER 16000 /* stays under the 20,000-fd limit with room for stdio and sockets */
#define PER_MESSAGE 250  /* SCM_MAX_FD is 253 */

/* Receives fds until `expected` have arrived, then waits for EOF on `lifeline`. */
static void holder(int sock, int expected, int lifeline) {
    int held = 0;
    while (held < expected) {
        char byte;
        char control[CMSG_SPACE(PER_MESSAGE * sizeof(int))];
        struct iovec iov = {.iov_base = &byte, .iov_len = 1};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
        ssize_t n = recvmsg(sock, &msg, 0);
        if (n <= 0) die("recvmsg");
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                held += (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    }
    if (write(sock, "k", 1) != 1) die("ack");
    char buf[64];
    while (read(lifeline, buf, sizeof buf) > 0) {
    }
    _exit(0);
}

static void send_fds(int sock, int *fds, int n) {
    char byte = 'f';
    char control[CMSG_SPACE(PER_MESSAGE * sizeof(int))];
    memset(control, 0, sizeof control);
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = CMSG_SPACE(n * sizeof(int))};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(c), fds, n * sizeof(int));
    if (sendmsg(sock, &msg, 0) != 1) die("sendmsg");
}

/* Registers `idle` idle eventfds in `ep`, parked in holder processes that live until `lifeline` EOFs
 * (`lifeline_writer`, if not -1, is the other end, which the holders must not keep open). */
static void park_idle_fds(int ep, int idle, int lifeline, int lifeline_writer) {
    int batch[PER_MESSAGE];
    for (int done = 0; done < idle;) {
        int quota = idle - done < PER_HOLDER ? idle - done : PER_HOLDER;
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) die("socketpair");
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            close(pair[0]);
            close(ep);
            if (lifeline_writer >= 0) close(lifeline_writer);
            holder(pair[1], quota, lifeline);
        }
        close(pair[1]);
        for (int sent = 0; sent < quota;) {
            int n = quota - sent < PER_MESSAGE ? quota - sent : PER_MESSAGE;
            for (int i = 0; i < n; i++) {
                if ((batch[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) die("eventfd");
                struct epoll_event ev = {.events = EPOLLIN, .data.fd = batch[i]};
                if (epoll_ctl(ep, EPOLL_CTL_ADD, batch[i], &ev) < 0) die("epoll_ctl");
            }
            send_fds(pair[0], batch, n);
            for (int i = 0; i < n; i++) close(batch[i]);
            sent += n;
        }
        char ack;
        if (read(pair[0], &ack, 1) != 1) die("holder ack");
        close(pair[0]);
        done += quota;
    }
}

int main(int argc, char **argv) {
    signal(SIGCHLD, SIG_IGN); /* holders are reaped by the kernel */
    if (argc == 3 && strcmp(argv[1], "hold") == 0) {
        park_idle_fds(3, atoi(argv[2]), 0, -1);
        printf("ready\n");
        fflush(stdout);
        char buf[64];
        while (read(0, buf, sizeof buf) > 0) {
        }
        return 0;
    }
    if (argc == 6 && strcmp(argv[1], "measure") == 0) {
        const char *kind = argv[2];
        int idle = atoi(argv[3]), rounds = atoi(argv[4]), polls = atoi(argv[5]);
        int ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0) die("epoll_create1");
        int lifeline[2];
        if (pipe2(lifeline, O_CLOEXEC) < 0) die("pipe2");
        park_idle_fds(ep, idle, lifeline[0], lifeline[1]);
        int ready;
        open_ready_fds(kind, &ready, 1);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = ready}, out[64];
        if (epoll_ctl(ep, EPOLL_CTL_ADD, ready, &ev) < 0) die("epoll_ctl");
        double *per_poll = calloc(rounds, sizeof *per_poll);
        for (int r = -1; r < rounds; r++) {
            double start = now_ns();
            for (int p = 0; p < polls; p++)
                if (epoll_wait(ep, out, 64, 0) != 1) die("epoll_wait: expected exactly one ready fd");
            if (r >= 0) per_poll[r] = (now_ns() - start) / polls;
        }
        printf("{\"ns_per_poll\":%.2f,\"idle\":%d}\n", median(per_poll, rounds), idle);
        return 0; /* closing the lifeline lets the holders exit */
    }
    fprintf(stderr, "usage: scaling hold <idle> | scaling measure <eventfd|fifo> <idle> <rounds> <polls>\n");
    return 2;
}
