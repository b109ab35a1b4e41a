// The C peer of the accept benchmark (bench/accept.ts): a level-triggered epoll loop that accepts with
// accept4 (the peer's address asked for, as connections() does) until EAGAIN and closes each
// connection. Contract: `accept <port>` (0 = any), prints `listening <port>`, SIGTERM ends it.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[argc - 1]))};
  inet_pton(AF_INET, "127.0.0.1", &at.sin_addr);
  if (bind(fd, (struct sockaddr *)&at, sizeof at) || listen(fd, 4096)) {
    perror("listen");
    return 1;
  }
  socklen_t len = sizeof at;
  getsockname(fd, (struct sockaddr *)&at, &len);
  printf("listening %d\n", ntohs(at.sin_port));
  fflush(stdout);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  for (;;) {
    if (epoll_wait(ep, &ev, 1, -1) < 1) continue;
    for (;;) {
      struct sockaddr_storage peer;
      socklen_t peer_len = sizeof peer;
      int conn = accept4(fd, (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (conn < 0) break;
      close(conn);
    }
  }
}
