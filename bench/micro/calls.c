/* The floor for the per-call micro-benchmark (calls-js.ts): the same system calls from C.
 * `calls <rounds> <calls>` prints {"read_eagain_ns": median, "echo_ns": median}: CPU time (this
 * thread's, so that time other processes take from the core is not counted) per would-block read(2)
 * on an empty unix socket, and per 64-byte write(2) + read(2) through a socketpair. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    perror(what);
    exit(1);
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int n) {
    qsort(values, n, sizeof *values, compare_double);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static double cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: calls <rounds> <calls>\n");
        return 2;
    }
    int rounds = atoi(argv[1]), calls = atoi(argv[2]);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) die("socketpair");
    static char buf[65536], msg[64];
    double *eagain = calloc(rounds, sizeof *eagain), *echo = calloc(rounds, sizeof *echo);
    long sink = 0;
    for (int r = -1; r < rounds; r++) { /* round -1 warms up */
        double start = cpu_ns();
        for (int i = 0; i < calls; i++) sink += read(sv[0], buf, sizeof buf);
        double mid = cpu_ns();
        for (int i = 0; i < calls; i++) {
            sink += write(sv[0], msg, sizeof msg);
            sink += read(sv[1], buf, sizeof buf);
        }
        if (r >= 0) {
            eagain[r] = (mid - start) / calls;
            echo[r] = (cpu_ns() - mid) / calls;
        }
    }
    printf("{\"read_eagain_ns\":%.1f,\"echo_ns\":%.1f,\"sink\":%ld}\n", median(eagain, rounds), median(echo, rounds), sink % 7);
    return 0;
}
