// Load generator of the accept benchmark (bench/accept.ts): opens `--count` TCP connections to
// 127.0.0.1:`--port`, at most `--inflight` at a time, each counted done when the server has accepted
// and closed it (the client reads end of file). Prints one JSON line: connections, seconds, accepts
// per second, and the server's CPU seconds over the run (utime + stime of `--server-pid`).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// utime + stime of `pid` in seconds, -1 if unreadable.
static double cpu_of(int pid) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  unsigned long utime = 0, stime = 0;
  // Fields after ")": state(3) ... utime(14) stime(15).
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
  return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

int main(int argc, char **argv) {
  int port = 0, count = 10000, inflight = 64, pid = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--count")) count = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--inflight")) inflight = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--server-pid")) pid = atoi(argv[i + 1]);
  }
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  int ep = epoll_create1(0);
  int started = 0, done = 0, open = 0, failed = 0;
  double cpu0 = cpu_of(pid), t0 = now();
  struct epoll_event events[256];
  while (done < count) {
    while (open < inflight && started < count) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      // A blocking connect on loopback returns once the kernel has queued the connection.
      if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        perror("connect");
        return 1;
      }
      struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = fd};
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      started++;
      open++;
    }
    int n = epoll_wait(ep, events, 256, 10000);
    if (n <= 0) {
      fprintf(stderr, "no progress for 10 s (%d of %d done)\n", done, count);
      return 1;
    }
    for (int i = 0; i < n; i++) {
      char c;
      ssize_t r = read(events[i].data.fd, &c, 1);
      if (r > 0) failed++;
      close(events[i].data.fd);
      open--;
      done++;
    }
  }
  double seconds = now() - t0, cpu = cpu_of(pid);
  printf("{\"connections\":%d,\"seconds\":%.6f,\"rate\":%.1f,\"server_cpu_s\":%.3f,\"unexpected_bytes\":%d}\n", done, seconds, done / seconds,
         cpu0 >= 0 && cpu >= 0 ? cpu - cpu0 : -1.0, failed);
  return 0;
}
