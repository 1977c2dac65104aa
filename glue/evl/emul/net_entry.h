/* The C library's socket calls routed to the emulation for out-of-band
 * sockets (net_interpose.c calls these; net_api.cc defines them). Each returns
 * what the C library's call returns: the result, or -1 with errno set. */
#ifndef GLUE_EVL_EMUL_NET_ENTRY_H
#define GLUE_EVL_EMUL_NET_ENTRY_H

#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a descriptor is to the socket calls. */
enum oskit_evl_net_kind {
  OSKIT_EVL_NET_OTHER = 0,  /* not the emulation's: the C library serves it */
  OSKIT_EVL_NET_SOCKET = 1, /* an out-of-band socket */
  OSKIT_EVL_NET_FILE = 2,   /* another EVL file: socket calls fail with ENOTSOCK */
};
int oskit_evl_net_kind(int fd);

/* socket(2) with SOCK_OOB in type. */
int oskit_evl_net_socket(int domain, int type, int protocol);

int oskit_evl_net_bind(int fd, const struct sockaddr *addr, socklen_t len);
int oskit_evl_net_connect(int fd, const struct sockaddr *addr, socklen_t len);
int oskit_evl_net_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int oskit_evl_net_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
int oskit_evl_net_setsockopt(int fd, int level, int name, const void *value, socklen_t len);
int oskit_evl_net_getsockopt(int fd, int level, int name, void *value, socklen_t *len);
int oskit_evl_net_shutdown(int fd, int how);
int oskit_evl_net_listen(int fd, int backlog);
int oskit_evl_net_accept(int fd, struct sockaddr *addr, socklen_t *len, int flags);
ssize_t oskit_evl_net_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t oskit_evl_net_recvmsg(int fd, struct msghdr *msg, int flags);
int oskit_evl_net_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags);
int oskit_evl_net_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *timeout);

#ifdef __cplusplus
}
#endif

#endif /* GLUE_EVL_EMUL_NET_ENTRY_H */
