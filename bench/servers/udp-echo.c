// UDP echo server of the UDP benchmark, in C over epoll: `--mmsg` moves up to 64 datagrams per
// recvmmsg/sendmmsg (the limit), `--single` one per recvfrom/sendto. Protocol (bench/udp.ts): FLOD
// datagrams are checked and counted, STAT is answered with the counts, everything else is echoed.
//
//   udp-echo --mmsg|--single <port>     prints `listening <port>`, exits on SIGTERM
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define SLOT 2048
#define HEADER 12

static uint8_t pattern[512];
static uint64_t good = 0, bad = 0;

/** FLOD: checked and counted (no reply, returns 0); STAT: the reply written in place (returns its
 * length); anything else: echoed as is (returns its length). */
static int handle(uint8_t *buf, int len) {
  if (len >= 4 && memcmp(buf, "FLOD", 4) == 0) {
    uint32_t seq;
    if (len < HEADER) return bad++, 0;
    memcpy(&seq, buf + 8, 4);
    if (memcmp(buf + HEADER, pattern + (seq & 0xff), len - HEADER) == 0) good++;
    else bad++;
    return 0;
  }
  if (len >= 4 && memcmp(buf, "STAT", 4) == 0) {
    memcpy(buf + 12, &good, 8);  // after the tag, flow and the query's seq (its nonce)
    memcpy(buf + 20, &bad, 8);
    return 28;
  }
  return len;
}

int main(int argc, char **argv) {
  int mmsg = argc > 1 && strcmp(argv[1], "--mmsg") == 0;
  int port = atoi(argv[argc - 1]);
  for (int i = 0; i < 512; i++) pattern[i] = (uint8_t)i;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int big = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return perror("bind"), 1;
  socklen_t alen = sizeof addr;
  getsockname(fd, (struct sockaddr *)&addr, &alen);
  printf("listening %d\n", ntohs(addr.sin_port));
  fflush(stdout);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);

  static uint8_t bufs[BATCH][SLOT];
  struct sockaddr_in names[BATCH];
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH], out[BATCH];
  for (;;) {
    struct epoll_event events[4];
    if (epoll_wait(ep, events, 4, -1) <= 0) continue;
    if (!mmsg) {
      for (;;) {
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(fd, bufs[0], SLOT, 0, (struct sockaddr *)&from, &flen);
        if (n < 0) break;
        int reply = handle(bufs[0], (int)n);
        if (reply > 0 || (n == 0)) sendto(fd, bufs[0], reply, 0, (struct sockaddr *)&from, flen);
      }
      continue;
    }
    for (;;) {
      for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = SLOT;
        memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
        msgs[i].msg_hdr.msg_name = &names[i];
        msgs[i].msg_hdr.msg_namelen = sizeof names[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int n = recvmmsg(fd, msgs, BATCH, 0, NULL);
      if (n <= 0) break;
      int replies = 0;
      for (int i = 0; i < n; i++) {
        int reply = handle(bufs[i], (int)msgs[i].msg_len);
        if (reply == 0 && msgs[i].msg_len != 0) continue;
        out[replies] = msgs[i];
        iov[i].iov_len = reply;
        replies++;
      }
      for (int sent = 0; sent < replies;) {
        int s = sendmmsg(fd, out + sent, replies - sent, 0);
        if (s <= 0) break;  // a full send buffer drops the rest, as UDP may
        sent += s;
      }
      if (n < BATCH) break;
    }
  }
}
