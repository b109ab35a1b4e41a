/*
 * The new ceiling: an io_uring echo server in C (liburing, gcc -O2). Every connection always has one
 * receive (or the send of what it received) in the ring; each turn of the loop is ONE
 * io_uring_submit_and_wait, which submits the next operations and waits for completions in the same
 * system call. The ring asks for IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN (completion
 * work runs in our own io_uring_enter, not as interrupts of the loop); a kernel that refuses them gets
 * a plain ring, and says so on stderr. Where io_uring itself is refused (seccomp, old kernels) the
 * server exits 1 with the reason, so the bench lists it as not measured.
 * Echo-server contract: `echo-uring <port>` (0 = any), prints `listening <port>`, exits on SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 65536
#define RING_ENTRIES 4096

enum op { OP_ACCEPT = 0, OP_RECV = 1, OP_SEND = 2 };

struct conn {
    char *buf;
    unsigned sent, len; /* the part of buf still to send back */
};

static volatile sig_atomic_t stop;
static struct io_uring ring;
static struct conn *conns;
static int conns_cap;

static void on_sigterm(int sig) { (void)sig; stop = 1; }

static void die(const char *what, int err) {
    fprintf(stderr, "%s: %s\n", what, strerror(err));
    exit(1);
}

static struct io_uring_sqe *sqe_get(void) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    if (!sqe) {
        io_uring_submit(&ring); /* only when the ring is full: more than RING_ENTRIES operations queued */
        sqe = io_uring_get_sqe(&ring);
        if (!sqe) die("io_uring_get_sqe", EBUSY);
    }
    return sqe;
}

static void queue(enum op op, int fd, struct io_uring_sqe *sqe) {
    io_uring_sqe_set_data64(sqe, ((__u64)fd << 2) | op);
}

static void queue_accept(int listener) {
    struct io_uring_sqe *sqe = sqe_get();
    io_uring_prep_accept(sqe, listener, NULL, NULL, SOCK_CLOEXEC);
    queue(OP_ACCEPT, listener, sqe);
}

static void queue_recv(int fd) {
    struct io_uring_sqe *sqe = sqe_get();
    io_uring_prep_recv(sqe, fd, conns[fd].buf, BUF_SIZE, 0);
    queue(OP_RECV, fd, sqe);
}

static void queue_send(int fd) {
    struct conn *c = &conns[fd];
    struct io_uring_sqe *sqe = sqe_get();
    io_uring_prep_send(sqe, fd, c->buf + c->sent, c->len - c->sent, MSG_NOSIGNAL);
    queue(OP_SEND, fd, sqe);
}

static void open_conn(int fd) {
    if (fd >= conns_cap) {
        int cap = conns_cap ? conns_cap : 1024;
        while (cap <= fd) cap *= 2;
        conns = realloc(conns, cap * sizeof *conns);
        if (!conns) die("realloc", ENOMEM);
        memset(conns + conns_cap, 0, (cap - conns_cap) * sizeof *conns);
        conns_cap = cap;
    }
    if (!conns[fd].buf && !(conns[fd].buf = malloc(BUF_SIZE))) die("malloc", ENOMEM);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    queue_recv(fd);
}

static int setup_ring(void) {
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
#if defined(IORING_SETUP_SINGLE_ISSUER) && defined(IORING_SETUP_DEFER_TASKRUN)
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    int rc = io_uring_queue_init_params(RING_ENTRIES, &ring, &params);
    if (rc == 0) return 1;
    fprintf(stderr, "echo-uring: SINGLE_ISSUER|DEFER_TASKRUN refused (%s); falling back to a plain ring\n", strerror(-rc));
    memset(&params, 0, sizeof params);
#else
    fprintf(stderr, "echo-uring: liburing too old for SINGLE_ISSUER|DEFER_TASKRUN; a plain ring\n");
#endif
    int plain = io_uring_queue_init_params(RING_ENTRIES, &ring, &params);
    if (plain < 0) die("io_uring refused (io_uring_queue_init)", -plain);
    return 0;
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigterm; /* no SA_RESTART: the wait returns -EINTR and the loop sees `stop` */
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int deferred = setup_ring();
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) die("socket", errno);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind", errno);
    if (listen(listener, 4096) < 0) die("listen", errno);
    socklen_t len = sizeof addr;
    getsockname(listener, (struct sockaddr *)&addr, &len);
    fprintf(stderr, "echo-uring: ring %s\n", deferred ? "SINGLE_ISSUER|DEFER_TASKRUN" : "plain (no DEFER_TASKRUN)");
    printf("listening %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    queue_accept(listener);
    while (!stop) {
        int rc = io_uring_submit_and_wait(&ring, 1);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) die("io_uring_submit_and_wait", -rc);
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            __u64 data = io_uring_cqe_get_data64(cqe);
            int fd = (int)(data >> 2);
            int res = cqe->res;
            switch ((enum op)(data & 3)) {
            case OP_ACCEPT:
                if (res >= 0) open_conn(res);
                queue_accept(listener);
                break;
            case OP_RECV:
                if (res <= 0) {
                    close(fd);
                    break;
                }
                conns[fd].sent = 0;
                conns[fd].len = (unsigned)res;
                queue_send(fd);
                break;
            case OP_SEND:
                if (res < 0) {
                    close(fd);
                    break;
                }
                conns[fd].sent += (unsigned)res;
                if (conns[fd].sent < conns[fd].len) queue_send(fd);
                else queue_recv(fd);
                break;
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
    io_uring_queue_exit(&ring);
    return 0;
}
