// UDP load generator of the UDP benchmark (bench/udp.ts). Two modes, each printing one JSON line:
//
//   pingpong: `--flows N` sockets, each with one datagram in flight: send, wait for the echo, check
//             every byte of it (flow id, sequence number, pattern), send the next. Reports round trips/s.
//             A datagram lost on the way (a full queue) is sent again after 100 ms ("retransmits").
//   flood:    one socket sends FLOD datagrams as fast as `sendmmsg` allows; the server checks each and
//             counts it without replying. STAT datagrams, from a second socket, read the server's
//             counts at the start and the end of the window. Reports datagrams/s the server checked.
//
// Datagram layout (every server follows it, see bench/udp.ts): 4-byte tag ("PING", "FLOD", "STAT"),
// u32 flow, u32 seq (little endian), then payload bytes (seq + i) & 0xff.
//
//   loadgen --port P --mode pingpong|flood [--flows 64] [--size 64] [--warmup 0.5] [--duration 1.5] [--server-pid PID]
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEADER 12
#define MAX_FLOWS 1024
#define BATCH 64

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double self_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/** utime + stime of `pid` in seconds, -1 if unknown. */
static double proc_cpu(int pid) {
  if (pid <= 0) return -1;
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  unsigned long utime = 0, stime = 0;
  // fields after ") ": state(3) ... utime(14) stime(15)
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
  return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

static void fill(uint8_t *buf, const char *tag, uint32_t flow, uint32_t seq, int size) {
  memcpy(buf, tag, 4);
  memcpy(buf + 4, &flow, 4);
  memcpy(buf + 8, &seq, 4);
  for (int i = HEADER; i < size; i++) buf[i] = (uint8_t)(seq + i - HEADER);
}

static int udp_socket(struct sockaddr_in *server) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)server, sizeof *server) < 0) {
    perror("socket/connect");
    exit(2);
  }
  int big = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  return fd;
}

struct flow {
  int fd;
  uint32_t seq;
  double sent_at;
};

static long errors = 0;
static char error_sample[200] = "";

static void error(const char *fmt, uint32_t a, uint32_t b) {
  if (errors++ == 0) snprintf(error_sample, sizeof error_sample, fmt, a, b);
}

static void print_result(const char *mode, int flows, double rate, double window, double server_cpu, double self,
                         long retransmits, long extra1, long extra2) {
  printf("{\"mode\":\"%s\",\"flows\":%d,\"rate\":%.1f,\"window_s\":%.3f,\"errors\":%ld,\"error_sample\":\"%s\","
         "\"retransmits\":%ld,\"server_cpu_s\":%.3f,\"loadgen_cpu_fraction\":%.3f,\"sent\":%ld,\"bad\":%ld}\n",
         mode, flows, rate, window, errors, error_sample, retransmits, server_cpu, self / window, extra1, extra2);
}

static int pingpong(struct sockaddr_in *server, int flows, int size, double warmup, double duration, int pid) {
  struct flow flow[MAX_FLOWS];
  int ep = epoll_create1(EPOLL_CLOEXEC);
  uint8_t out[2048], in[2048];
  for (int i = 0; i < flows; i++) {
    flow[i].fd = udp_socket(server);
    flow[i].seq = 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
    epoll_ctl(ep, EPOLL_CTL_ADD, flow[i].fd, &ev);
    fill(out, "PING", i, 0, size);
    send(flow[i].fd, out, size, 0);
    flow[i].sent_at = now();
  }
  double start = now(), measure_from = start + warmup, end = measure_from + duration;
  double cpu0 = 0, server0 = 0;
  long count = 0, retransmits = 0;
  int measuring = 0;
  struct epoll_event events[MAX_FLOWS];
  for (;;) {
    int n = epoll_wait(ep, events, MAX_FLOWS, 10);
    double t = now();
    if (!measuring && t >= measure_from) {
      measuring = 1, count = 0, retransmits = 0, cpu0 = self_cpu(), server0 = proc_cpu(pid);
      measure_from = t;
      fprintf(stderr, "window start\n"); /* for a cost meter beside us (bench/lib/cost.ts) */
    }
    if (t >= end) {
      fprintf(stderr, "window end\n");
      double window = t - measure_from;
      double scpu = pid > 0 ? proc_cpu(pid) - server0 : -1;
      print_result("pingpong", flows, count / window, window, scpu, self_cpu() - cpu0, retransmits, 0, 0);
      return 0;
    }
    for (int e = 0; e < n; e++) {
      struct flow *f = &flow[events[e].data.u32];
      for (;;) {
        ssize_t got = recv(f->fd, in, sizeof in, 0);
        if (got < 0) break;
        uint32_t fl, seq;
        memcpy(&fl, in + 4, 4);
        memcpy(&seq, in + 8, 4);
        if (got >= HEADER && memcmp(in, "PING", 4) == 0 && fl == events[e].data.u32 && seq < f->seq) continue;  // late duplicate
        if (got != size) { error("echo of %u bytes, expected %u", (uint32_t)got, size); continue; }
        fill(out, "PING", events[e].data.u32, f->seq, size);
        if (memcmp(in, out, size) != 0) { error("flow %u seq %u: echo differs from what was sent", events[e].data.u32, f->seq); continue; }
        if (measuring) count++;
        f->seq++;
        fill(out, "PING", events[e].data.u32, f->seq, size);
        send(f->fd, out, size, 0);
        f->sent_at = t;
      }
    }
    if (n == 0) {
      for (int i = 0; i < flows; i++) {
        if (t - flow[i].sent_at > 0.1) {
          fill(out, "PING", i, flow[i].seq, size);
          send(flow[i].fd, out, size, 0);
          flow[i].sent_at = t;
          retransmits++;
        }
      }
    }
  }
}

/** Asks the server for its FLOD counts; retries until a reply comes (the request may be dropped). */
static void stat_query(int fd, uint64_t *good, uint64_t *bad, double *at) {
  static uint32_t nonce = 0;
  uint8_t out[HEADER], in[64];
  // Each query has its own nonce: a late answer to an earlier (retried) query is not taken for this one.
  fill(out, "STAT", 0, ++nonce, HEADER);
  for (int attempt = 0; attempt < 200; attempt++) {
    send(fd, out, HEADER, 0);
    double deadline = now() + 0.05;
    while (now() < deadline) {
      ssize_t got = recv(fd, in, sizeof in, 0);
      if (got == 28 && memcmp(in, out, HEADER) == 0) {
        memcpy(good, in + 12, 8);
        memcpy(bad, in + 20, 8);
        *at = now();
        return;
      }
      usleep(200);
    }
  }
  fprintf(stderr, "no STAT reply\n");
  exit(3);
}

static int flood(struct sockaddr_in *server, int size, double warmup, double duration, int pid) {
  int fd = udp_socket(server), control = udp_socket(server);
  static uint8_t bufs[BATCH][2048];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = size;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  uint32_t seq = 0;
  long sent = 0;
  double start = now();
  uint64_t good0 = 0, bad0 = 0, good1 = 0, bad1 = 0;
  double t0 = 0, t1 = 0, cpu0 = 0, server0 = 0;
  int measuring = 0;
  for (;;) {
    double t = now();
    if (!measuring && t >= start + warmup) {
      stat_query(control, &good0, &bad0, &t0);
      cpu0 = self_cpu(), server0 = proc_cpu(pid), measuring = 1;
      fprintf(stderr, "window start\n");
    }
    if (measuring && t >= t0 + duration) {
      fprintf(stderr, "window end\n");
      stat_query(control, &good1, &bad1, &t1);
      double window = t1 - t0;
      errors = (long)bad1;
      if (bad1) snprintf(error_sample, sizeof error_sample, "the server found %lu bad datagrams", (unsigned long)bad1);
      double scpu = pid > 0 ? proc_cpu(pid) - server0 : -1;
      print_result("flood", 1, (good1 - good0) / window, window, scpu, self_cpu() - cpu0, 0, sent, (long)bad1);
      return 0;
    }
    for (int i = 0; i < BATCH; i++) fill(bufs[i], "FLOD", 0, seq + i, size);
    int n = sendmmsg(fd, msgs, BATCH, 0);
    if (n > 0) {
      seq += n;
      if (measuring) sent += n;
    } else {
      usleep(50);
    }
  }
}

int main(int argc, char **argv) {
  int port = 0, flows = 64, size = 64, pid = 0;
  double warmup = 0.5, duration = 1.5;
  const char *mode = "pingpong";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--flows")) flows = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--size")) size = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--warmup")) warmup = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--duration")) duration = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--server-pid")) pid = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--mode")) mode = argv[i + 1];
    else {
      fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  if (port <= 0 || flows < 1 || flows > MAX_FLOWS || size < HEADER || size > 1400) {
    fprintf(stderr, "usage: loadgen --port P --mode pingpong|flood [--flows 1..%d] [--size 12..1400]\n", MAX_FLOWS);
    return 2;
  }
  struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  return strcmp(mode, "flood") == 0 ? flood(&server, size, warmup, duration, pid)
                                    : pingpong(&server, flows, size, warmup, duration, pid);
}
