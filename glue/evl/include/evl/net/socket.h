/* Out-of-band datagram I/O on sockets (libevl <evl/net/socket.h>; the EVL
 * documentation's "UDP over IPv4" page). A socket made with
 * socket(AF_INET, SOCK_DGRAM | SOCK_OOB, 0) is a UDP socket with
 * out-of-band capabilities: bind(2), connect(2), getsockname(2),
 * setsockopt(2), poll(2) and close(2) work on it as on any socket, and
 * oob_sendmsg()/oob_recvmsg() (and oob_write()/oob_read()) move datagrams
 * from the out-of-band stage. The caller of an oob_* call must be an EVL
 * thread (EPERM otherwise).
 *
 * Return convention, as libevl's: the byte count on success; on failure a
 * negated errno, with errno set to the same code (so `count < 0` then errno
 * works, as the documentation's examples do). */
#ifndef _EVL_NET_SOCKET_H
#define _EVL_NET_SOCKET_H

#include <evl/fcntl.h>
#include <evl/net/socket-abi.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

struct oob_msghdr {
  void *msg_name;        /* peer address (struct sockaddr_in), or NULL */
  socklen_t msg_namelen; /* its size; on receipt, the size filled in */
  struct iovec *msg_iov; /* the datagram's data */
  size_t msg_iovlen;
  void *msg_control;        /* ancillary data: none is produced or used */
  size_t msg_controllen;    /* on receipt, 0 */
  int msg_flags;            /* on receipt, the call's flags plus MSG_TRUNC when the
                               datagram did not fit */
  struct timespec msg_time; /* on receipt, 0 (no timestamping) */
};

#ifdef __cplusplus
extern "C" {
#endif

/* Receives one datagram into msghdr's buffers, waiting until the absolute
 * CLOCK_MONOTONIC time *timeout (NULL: no limit). flags: 0 or MSG_DONTWAIT.
 * Returns the bytes copied (fewer than the datagram when it was truncated:
 * MSG_TRUNC in msg_flags), the sender in msg_name when given. Errors: EPERM
 * (caller not an EVL thread), EBADF (not an out-of-band socket), ENOTTY
 * (an EVL file that is not a socket), EINVAL (flags, msg_namelen, iovec
 * count, timeout), EFAULT (msghdr, iovec), EAGAIN/EWOULDBLOCK (MSG_DONTWAIT or
 * O_NONBLOCK and nothing waiting), ETIMEDOUT, or a pending socket error such
 * as ECONNREFUSED. */
ssize_t oob_recvmsg(int efd, struct oob_msghdr *msghdr, const struct timespec *timeout, int flags);

/* Sends the datagram held in msghdr's buffers to msg_name (a struct
 * sockaddr_in), or to the connected peer when msg_name is NULL. Waits for
 * room until the absolute CLOCK_MONOTONIC time *timeout (NULL: no limit).
 * flags: 0 or MSG_DONTWAIT. Returns the datagram's size. Errors: EPERM,
 * EBADF, ENOTTY, EINVAL (flags, msg_namelen, a zero address or port, iovec
 * count, timeout), EAFNOSUPPORT (not AF_INET), EDESTADDRREQ (no address and
 * not connected), EMSGSIZE (above 65507 bytes), EFAULT, EPIPE (shut down for
 * writing), EAGAIN/EWOULDBLOCK, ETIMEDOUT, or a pending socket error. */
ssize_t oob_sendmsg(int efd, const struct oob_msghdr *msghdr, const struct timespec *timeout, int flags);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_NET_SOCKET_H */
