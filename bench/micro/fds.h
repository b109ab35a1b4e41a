/* Ready or idle fds for the micro-benchmarks, of the same kind the JavaScript side uses:
 * "eventfd" (counter 1 = readable, 0 = idle) or "fifo" (many O_RDWR opens of one FIFO; one byte in it
 * makes every one of them readable). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    perror(what);
    exit(1);
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Opens `count` readable fds of `kind` into `fds`. */
static void open_ready_fds(const char *kind, int *fds, int count) {
    if (strcmp(kind, "eventfd") == 0) {
        for (int i = 0; i < count; i++)
            if ((fds[i] = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) die("eventfd");
        return;
    }
    char path[] = "/tmp/epoll-bench-fifo-XXXXXX";
    int tmp = mkstemp(path);
    if (tmp < 0) die("mkstemp");
    close(tmp);
    unlink(path);
    if (mkfifo(path, 0600) < 0) die("mkfifo");
    for (int i = 0; i < count; i++)
        if ((fds[i] = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) die("open fifo");
    unlink(path);
    if (write(fds[0], "x", 1) != 1) die("write fifo");
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int n) {
    qsort(values, n, sizeof *values, compare_double);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}
