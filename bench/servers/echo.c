/*
 * The limit: a level-triggered epoll echo server in C (gcc -O2), the loop every epoll tutorial shows.
 * Reads what is there, writes it straight back; only if the socket buffer is full does it keep the
 * rest and wait for EPOLLOUT. Echo-server contract: `echo <port>` (0 = any), prints
 * `listening <port>`, exits cleanly on SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 65536
#define MAX_EVENTS 1024

/* Bytes read but not yet written back, per fd (only used when a write comes up short). */
struct pending {
    char *data;
    size_t len;
};

static volatile sig_atomic_t stop;
static struct pending *pending;
static int pending_cap;

static void on_sigterm(int sig) { (void)sig; stop = 1; }

static void die(const char *what) { perror(what); exit(1); }

static struct pending *pending_for(int fd) {
    if (fd >= pending_cap) {
        int cap = pending_cap ? pending_cap : 1024;
        while (cap <= fd) cap *= 2;
        pending = realloc(pending, cap * sizeof *pending);
        if (!pending) die("realloc");
        memset(pending + pending_cap, 0, (cap - pending_cap) * sizeof *pending);
        pending_cap = cap;
    }
    return &pending[fd];
}

static void drop(int ep, int fd) {
    struct pending *p = pending_for(fd);
    free(p->data);
    p->data = NULL;
    p->len = 0;
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
}

static void watch(int ep, int op, int fd, unsigned events) {
    struct epoll_event ev = {.events = events, .data.fd = fd};
    if (epoll_ctl(ep, op, fd, &ev) < 0) die("epoll_ctl");
}

/* Writes what is pending on fd; returns 0 when all is out, 1 when it must wait, -1 on error. */
static int flush(int ep, int fd) {
    struct pending *p = pending_for(fd);
    size_t off = 0;
    while (off < p->len) {
        ssize_t n = write(fd, p->data + off, p->len - off);
        if (n < 0) {
            if (errno == EAGAIN) break;
            if (errno == EINTR) continue;
            return -1;
        }
        off += n;
    }
    if (off == p->len) {
        free(p->data);
        p->data = NULL;
        p->len = 0;
        watch(ep, EPOLL_CTL_MOD, fd, EPOLLIN);
        return 0;
    }
    memmove(p->data, p->data + off, p->len - off);
    p->len -= off;
    return 1;
}

static int echo(int ep, int fd, char *buf) {
    ssize_t n = read(fd, buf, BUF_SIZE);
    if (n == 0) return -1;
    if (n < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
    ssize_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, buf + off, n - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) return -1;
            struct pending *p = pending_for(fd);
            p->data = malloc(n - off);
            if (!p->data) die("malloc");
            memcpy(p->data, buf + off, n - off);
            p->len = n - off;
            watch(ep, EPOLL_CTL_MOD, fd, EPOLLOUT);
            return 0;
        }
        off += w;
    }
    return 0;
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    struct sigaction sa = {.sa_handler = on_sigterm};
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(lfd, SOMAXCONN) < 0) die("listen");
    socklen_t len = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &len);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    watch(ep, EPOLL_CTL_ADD, lfd, EPOLLIN);
    printf("listening %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    static char buf[BUF_SIZE];
    struct epoll_event events[MAX_EVENTS];
    while (!stop) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == lfd) {
                int c;
                while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    watch(ep, EPOLL_CTL_ADD, c, EPOLLIN);
                }
                continue;
            }
            int result = (events[i].events & EPOLLOUT) ? flush(ep, fd) : echo(ep, fd, buf);
            if (result < 0 || (events[i].events & (EPOLLERR | EPOLLHUP) && !(events[i].events & EPOLLIN)))
                drop(ep, fd);
        }
    }
    return 0;
}
