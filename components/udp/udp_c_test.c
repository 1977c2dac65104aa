/* Out-of-band UDP from C99: the socket API of <evl/net/socket.h> and
 * <evl/net/net.h>, and the UDP endpoint through its C header, built with
 * -std=c99 -Wall -Wextra -Werror -pedantic. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <evl/evl.h>

#include "components/membufio/membufio.h"
#include "components/netio/netio.h"
#include "components/udp/udp.h"
#include "oskit/testing/c_check.h"

static struct sockaddr_in loopback_any(void) {
  struct sockaddr_in a;

  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static int bound_oob_socket(struct sockaddr_in *addr) {
  socklen_t len = sizeof(*addr);
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_OOB, 0);

  *addr = loopback_any();
  CHECK(s >= 0);
  CHECK(bind(s, (struct sockaddr *)addr, sizeof(*addr)) == 0);
  CHECK(getsockname(s, (struct sockaddr *)addr, &len) == 0);
  return s;
}

static void socket_api(void) {
  struct sockaddr_in a_addr, b_addr, from;
  struct oob_msghdr msghdr;
  struct iovec iov;
  char buf[32];
  ssize_t count;
  int a = bound_oob_socket(&a_addr), b = bound_oob_socket(&b_addr);

  CHECK(evl_net_solicit(a, (const struct sockaddr *)&b_addr, EVL_NEIGH_PERMANENT) == 0);

  iov.iov_base = "from C";
  iov.iov_len = 6;
  memset(&msghdr, 0, sizeof(msghdr));
  msghdr.msg_iov = &iov;
  msghdr.msg_iovlen = 1;
  msghdr.msg_name = &b_addr;
  msghdr.msg_namelen = sizeof(b_addr);
  CHECK(oob_sendmsg(a, &msghdr, NULL, 0) == 6);

  iov.iov_base = buf;
  iov.iov_len = sizeof(buf);
  memset(&msghdr, 0, sizeof(msghdr));
  msghdr.msg_iov = &iov;
  msghdr.msg_iovlen = 1;
  msghdr.msg_name = &from;
  msghdr.msg_namelen = sizeof(from);
  count = oob_recvmsg(b, &msghdr, NULL, 0);
  CHECK(count == 6);
  CHECK(memcmp(buf, "from C", 6) == 0);
  CHECK(from.sin_port == a_addr.sin_port);
  CHECK((msghdr.msg_flags & MSG_TRUNC) == 0);

  count = oob_recvmsg(b, &msghdr, NULL, MSG_DONTWAIT);
  CHECK(count == -EAGAIN && errno == EAGAIN);
  CHECK(oob_recvmsg(b, &msghdr, NULL, MSG_PEEK) == -EINVAL);
  msghdr.msg_name = NULL;
  msghdr.msg_namelen = 0;
  CHECK(oob_sendmsg(a, &msghdr, NULL, 0) == -EDESTADDRREQ);

  close(a);
  close(b);
}

/* The receive netio: records each datagram, then tells main through a pipe. */
struct received {
  char data[64];
  oskit_size_t size;
  int notify_fd;
};

static oskit_error_t on_datagram(void *arg, oskit_bufio_t *buf, oskit_size_t size) {
  struct received *r = arg;
  oskit_size_t n = 0;
  oskit_error_t rc;

  r->size = size;
  rc = oskit_bufio_read(buf, r->data, 0, size < sizeof(r->data) ? size : sizeof(r->data), &n);
  CHECK(write(r->notify_fd, "!", 1) == 1);
  return rc;
}

static void endpoint(void) {
  struct received got;
  struct oskit_udp_options opts;
  struct sockaddr_in local;
  oskit_netio_t *recv_netio, *send_netio = NULL;
  oskit_udp_endpoint_t *control = NULL;
  oskit_bufio_t *packet;
  oskit_udp_stats_t stats;
  oskit_size_t n = 0;
  int pipefd[2];
  char byte;

  CHECK(pipe(pipefd) == 0);
  memset(&got, 0, sizeof(got));
  got.notify_fd = pipefd[1];
  recv_netio = oskit_netio_create(on_datagram, &got);
  CHECK(recv_netio != NULL);

  memset(&opts, 0, sizeof(opts));
  CHECK(oskit_udp_address("127.0.0.1", 0, &opts.local) == 0);
  CHECK(oskit_udp_open(&opts, recv_netio, &send_netio) == 0);
  CHECK(oskit_netio_query(send_netio, &oskit_udp_endpoint_iid, (void **)&control) == 0);
  CHECK(oskit_udp_endpoint_getsockname(control, &local) == 0);
  CHECK(oskit_udp_endpoint_connect(control, &local) == 0); /* talk to itself */

  packet = oskit_bufio_create(16);
  CHECK(oskit_bufio_write(packet, "endpoint", 0, 8, &n) == 0);
  CHECK(oskit_netio_push(send_netio, packet, 8) == 0);
  CHECK(read(pipefd[0], &byte, 1) == 1);
  CHECK(got.size == 8);
  CHECK(memcmp(got.data, "endpoint", 8) == 0);

  CHECK(oskit_udp_endpoint_getstats(control, &stats) == 0);
  CHECK(stats.sent == 1);
  CHECK(stats.received == 1);

  oskit_bufio_release(packet);
  oskit_udp_endpoint_release(control);
  oskit_netio_release(recv_netio);
  CHECK(oskit_netio_release(send_netio) == 0); /* the endpoint closes */
  close(pipefd[0]);
  close(pipefd[1]);
}

int main(void) {
  CHECK(evl_attach_self("udp-c-test:%d", (int)getpid()) >= 0);
  socket_api();
  endpoint();
  CHECK(evl_detach_self() == 0);
  return check_result();
}
