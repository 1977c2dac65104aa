/* The C library's socket calls on out-of-band sockets. On EVL an out-of-band
 * socket is a kernel socket that the core extends; in the emulation its
 * descriptor is an EVL file (docs/design.md, "UDP"), so socket(2) with
 * SOCK_OOB and every socket call on such a descriptor are routed to the
 * emulation (net_entry.h), socket calls on other EVL files fail with ENOTSOCK,
 * and everything else goes to the next definition (the C library, or a
 * sanitizer's interceptor). As in interpose.c, these wrappers are not
 * instrumented, issue the system calls directly until the next definitions
 * are resolved, and count a stage violation when an out-of-band caller makes
 * an in-band socket call. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "evl/net/socket-abi.h"
#include "glue/evl/emul/net_entry.h"
#include "glue/evl/emul/real.h"

#define UNINSTRUMENTED __attribute__((no_sanitize("thread", "address", "undefined")))

typedef int (*socket_fn)(int, int, int);
typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*name_fn)(int, struct sockaddr *, socklen_t *);
typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);
typedef int (*getsockopt_fn)(int, int, int, void *, socklen_t *);
typedef int (*int_fn)(int, int);
typedef int (*accept4_fn)(int, struct sockaddr *, socklen_t *, int);
typedef ssize_t (*sendto_fn)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
typedef ssize_t (*recvfrom_fn)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);
typedef ssize_t (*recvmsg_fn)(int, struct msghdr *, int);
typedef int (*sendmmsg_fn)(int, struct mmsghdr *, unsigned int, int);
typedef int (*recvmmsg_fn)(int, struct mmsghdr *, unsigned int, int, struct timespec *);

static socket_fn next_socket;
static bind_fn next_bind, next_connect;
static name_fn next_getsockname, next_getpeername;
static setsockopt_fn next_setsockopt;
static getsockopt_fn next_getsockopt;
static int_fn next_shutdown, next_listen;
static accept4_fn next_accept4;
static sendto_fn next_sendto;
static recvfrom_fn next_recvfrom;
static sendmsg_fn next_sendmsg;
static recvmsg_fn next_recvmsg;
static sendmmsg_fn next_sendmmsg;
static recvmmsg_fn next_recvmmsg;
static int resolved;

__attribute__((constructor(101))) static void resolve_next_socket_calls(void) {
  next_socket = (socket_fn)dlsym(RTLD_NEXT, "socket");
  next_bind = (bind_fn)dlsym(RTLD_NEXT, "bind");
  next_connect = (bind_fn)dlsym(RTLD_NEXT, "connect");
  next_getsockname = (name_fn)dlsym(RTLD_NEXT, "getsockname");
  next_getpeername = (name_fn)dlsym(RTLD_NEXT, "getpeername");
  next_setsockopt = (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt");
  next_getsockopt = (getsockopt_fn)dlsym(RTLD_NEXT, "getsockopt");
  next_shutdown = (int_fn)dlsym(RTLD_NEXT, "shutdown");
  next_listen = (int_fn)dlsym(RTLD_NEXT, "listen");
  next_accept4 = (accept4_fn)dlsym(RTLD_NEXT, "accept4");
  next_sendto = (sendto_fn)dlsym(RTLD_NEXT, "sendto");
  next_recvfrom = (recvfrom_fn)dlsym(RTLD_NEXT, "recvfrom");
  next_sendmsg = (sendmsg_fn)dlsym(RTLD_NEXT, "sendmsg");
  next_recvmsg = (recvmsg_fn)dlsym(RTLD_NEXT, "recvmsg");
  next_sendmmsg = (sendmmsg_fn)dlsym(RTLD_NEXT, "sendmmsg");
  next_recvmmsg = (recvmmsg_fn)dlsym(RTLD_NEXT, "recvmmsg");
  __atomic_store_n(&resolved, 1, __ATOMIC_RELEASE);
}

static UNINSTRUMENTED int ready(void) { return __atomic_load_n(&resolved, __ATOMIC_ACQUIRE); }

static UNINSTRUMENTED int kind(int fd) {
  if (!ready() || !oskit_evl_is_ours(fd)) return OSKIT_EVL_NET_OTHER;
  return oskit_evl_net_kind(fd);
}

static UNINSTRUMENTED void inband(const char *what) {
  if (ready()) oskit_evl_note_inband(what);
}

/* Serves fd here when it is an EVL file; otherwise falls through to the next
 * definition. */
#define ROUTE(fd, call)        \
  switch (kind(fd)) {          \
    case OSKIT_EVL_NET_SOCKET: \
      return call;             \
    case OSKIT_EVL_NET_FILE:   \
      errno = ENOTSOCK;        \
      return -1;               \
    default:                   \
      break;                   \
  }

#define NEXT(name, ...) (ready() && next_##name ? next_##name(__VA_ARGS__) : syscall(SYS_##name, __VA_ARGS__))

UNINSTRUMENTED ssize_t oskit_evl_real_send(int fd, const void *buf, size_t len, int flags) {
  return NEXT(sendto, fd, buf, len, flags, NULL, 0);
}

UNINSTRUMENTED ssize_t oskit_evl_real_recv(int fd, void *buf, size_t len, int flags) {
  return NEXT(recvfrom, fd, buf, len, flags, NULL, NULL);
}

UNINSTRUMENTED int socket(int domain, int type, int protocol) {
  if ((type & SOCK_OOB) && ready()) return oskit_evl_net_socket(domain, type, protocol);
  inband("socket");
  return (int)NEXT(socket, domain, type, protocol);
}

UNINSTRUMENTED int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  ROUTE(fd, oskit_evl_net_bind(fd, addr, len));
  inband("bind");
  return (int)NEXT(bind, fd, addr, len);
}

UNINSTRUMENTED int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  ROUTE(fd, oskit_evl_net_connect(fd, addr, len));
  inband("connect");
  return (int)NEXT(connect, fd, addr, len);
}

UNINSTRUMENTED int getsockname(int fd, struct sockaddr *addr, socklen_t *len) {
  ROUTE(fd, oskit_evl_net_getsockname(fd, addr, len));
  inband("getsockname");
  return (int)NEXT(getsockname, fd, addr, len);
}

UNINSTRUMENTED int getpeername(int fd, struct sockaddr *addr, socklen_t *len) {
  ROUTE(fd, oskit_evl_net_getpeername(fd, addr, len));
  inband("getpeername");
  return (int)NEXT(getpeername, fd, addr, len);
}

UNINSTRUMENTED int setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
  ROUTE(fd, oskit_evl_net_setsockopt(fd, level, name, value, len));
  inband("setsockopt");
  return (int)NEXT(setsockopt, fd, level, name, value, len);
}

UNINSTRUMENTED int getsockopt(int fd, int level, int name, void *value, socklen_t *len) {
  ROUTE(fd, oskit_evl_net_getsockopt(fd, level, name, value, len));
  inband("getsockopt");
  return (int)NEXT(getsockopt, fd, level, name, value, len);
}

UNINSTRUMENTED int shutdown(int fd, int how) {
  ROUTE(fd, oskit_evl_net_shutdown(fd, how));
  inband("shutdown");
  return (int)NEXT(shutdown, fd, how);
}

UNINSTRUMENTED int listen(int fd, int backlog) {
  ROUTE(fd, oskit_evl_net_listen(fd, backlog));
  inband("listen");
  return (int)NEXT(listen, fd, backlog);
}

UNINSTRUMENTED int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  ROUTE(fd, oskit_evl_net_accept(fd, addr, len, flags));
  inband("accept");
  return (int)NEXT(accept4, fd, addr, len, flags);
}

UNINSTRUMENTED int accept(int fd, struct sockaddr *addr, socklen_t *len) { return accept4(fd, addr, len, 0); }

UNINSTRUMENTED ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  ROUTE(fd, oskit_evl_net_sendmsg(fd, msg, flags));
  inband("sendmsg");
  return NEXT(sendmsg, fd, msg, flags);
}

UNINSTRUMENTED ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  ROUTE(fd, oskit_evl_net_recvmsg(fd, msg, flags));
  inband("recvmsg");
  return NEXT(recvmsg, fd, msg, flags);
}

UNINSTRUMENTED ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
                              socklen_t addrlen) {
  struct iovec iov = {(void *)buf, len};
  struct msghdr msg = {(void *)addr, addrlen, &iov, 1, NULL, 0, 0};

  ROUTE(fd, oskit_evl_net_sendmsg(fd, &msg, flags));
  inband("sendto");
  return NEXT(sendto, fd, buf, len, flags, addr, addrlen);
}

UNINSTRUMENTED ssize_t send(int fd, const void *buf, size_t len, int flags) {
  return sendto(fd, buf, len, flags, NULL, 0);
}

UNINSTRUMENTED ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr, socklen_t *addrlen) {
  struct iovec iov = {buf, len};
  struct msghdr msg = {addr, addrlen != NULL ? *addrlen : 0, &iov, 1, NULL, 0, 0};
  ssize_t n;

  switch (kind(fd)) {
    case OSKIT_EVL_NET_SOCKET:
      if (addr == NULL) msg.msg_namelen = 0;
      n = oskit_evl_net_recvmsg(fd, &msg, flags);
      if (n >= 0 && addr != NULL && addrlen != NULL) *addrlen = msg.msg_namelen;
      return n;
    case OSKIT_EVL_NET_FILE:
      errno = ENOTSOCK;
      return -1;
    default:
      break;
  }
  inband("recvfrom");
  return NEXT(recvfrom, fd, buf, len, flags, addr, addrlen);
}

UNINSTRUMENTED ssize_t recv(int fd, void *buf, size_t len, int flags) {
  return recvfrom(fd, buf, len, flags, NULL, NULL);
}

/* The fortified entry points, which the C library would otherwise route
 * around the wrappers above. */
extern void __chk_fail(void) __attribute__((noreturn));

UNINSTRUMENTED ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags) {
  if (len > buflen) __chk_fail();
  return recvfrom(fd, buf, len, flags, NULL, NULL);
}

UNINSTRUMENTED ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags, struct sockaddr *addr,
                                      socklen_t *addrlen) {
  if (len > buflen) __chk_fail();
  return recvfrom(fd, buf, len, flags, addr, addrlen);
}

UNINSTRUMENTED int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags) {
  ROUTE(fd, oskit_evl_net_sendmmsg(fd, vec, vlen, flags));
  inband("sendmmsg");
  return (int)NEXT(sendmmsg, fd, vec, vlen, flags);
}

UNINSTRUMENTED int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *timeout) {
  ROUTE(fd, oskit_evl_net_recvmmsg(fd, vec, vlen, flags, timeout));
  inband("recvmmsg");
  return (int)NEXT(recvmmsg, fd, vec, vlen, flags, timeout);
}
