// oob_sendmsg/oob_recvmsg (the EVL documentation's "UDP over IPv4" page,
// libevl <evl/net/socket.h>) and the C library's socket calls on out-of-band
// sockets (net_entry.h).
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>

#include "evl/net/socket.h"
#include "glue/evl/driver.h"
#include "glue/evl/emul/deadline.h"
#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/net_entry.h"
#include "glue/evl/emul/net_socket.h"
#include "glue/evl/emul/stage_tracking.h"
#include "glue/evl/stage.h"

namespace oskit::evl::emul {
namespace {

template <typename T>
T fail(int err) {
  errno = err;
  return static_cast<T>(-1);
}

// libevl's convention for oob_sendmsg/oob_recvmsg: the negated code, errno set.
ssize_t oob_fail(int err) {
  errno = err;
  return -err;
}

bool attached() { return self().stage != OSKIT_EVL_STAGE_UNATTACHED; }

// An out-of-band socket looked up by descriptor and pinned for one call.
struct Pinned {
  FileRef file;
  NetSocket* sock = nullptr;
  int error = 0;  // EBADF: no EVL file; not_socket: an EVL file of another kind
  bool nonblock() const { return (file->flags.load(std::memory_order_relaxed) & O_NONBLOCK) != 0; }
};

Pinned pin(int fd, int not_socket) {
  Pinned p;
  p.file = lookup(fd);
  if (!p.file) {
    p.error = EBADF;
    return p;
  }
  p.sock = NetSocket::of(p.file.get());
  if (p.sock == nullptr) p.error = not_socket;
  return p;
}

bool bad_user(const void* p, size_t len) { return oskit_evl_check_user(p, len) != 0; }

// Checks a gather/scatter list; *total gets its size. too_many: the error
// for more than UIO_MAXIOV entries.
int check_iov(const struct iovec* iov, size_t iovlen, int too_many, size_t* total) {
  if (iovlen > UIO_MAXIOV) return -too_many;
  if (iovlen > 0 && bad_user(iov, iovlen * sizeof *iov)) return -EFAULT;
  size_t sum = 0;
  for (size_t i = 0; i < iovlen; i++) {
    if (iov[i].iov_len > 0 && bad_user(iov[i].iov_base, iov[i].iov_len)) return -EFAULT;
    if (iov[i].iov_len > static_cast<size_t>(SSIZE_MAX) - sum) return -EINVAL;
    sum += iov[i].iov_len;
  }
  *total = sum;
  return 0;
}

// An absolute CLOCK_MONOTONIC timeout; a zero one means none, as EVL reads it.
int check_timeout(const struct timespec* t, const struct timespec** deadline) {
  *deadline = nullptr;
  if (t == nullptr) return 0;
  if (bad_user(t, sizeof *t)) return -EFAULT;
  if (t->tv_nsec < 0 || t->tv_nsec >= 1000000000) return -EINVAL;
  if (t->tv_sec != 0 || t->tv_nsec != 0) *deadline = t;
  return 0;
}

// The destination of a datagram: nullptr (the connected peer) when no name is
// given. oob: EVL's rules, which also refuse the zero address.
int destination(const void* name, socklen_t namelen, bool oob, sockaddr_in* storage, const sockaddr_in** dest) {
  *dest = nullptr;
  if (name == nullptr) return 0;
  if (namelen < sizeof(sockaddr_in)) return -EINVAL;
  if (bad_user(name, sizeof(sockaddr_in))) return -EFAULT;
  memcpy(storage, name, sizeof *storage);
  if (storage->sin_family != AF_INET && storage->sin_family != AF_UNSPEC) return -EAFNOSUPPORT;
  if (storage->sin_port == 0 || (oob && storage->sin_addr.s_addr == 0)) return -EINVAL;
  storage->sin_family = AF_INET;
  *dest = storage;
  return 0;
}

ssize_t send_inband(NetSocket* s, bool nonblock, const struct msghdr* msg, int flags) {
  if (flags & (MSG_OOB | MSG_MORE)) return -EOPNOTSUPP;  // no urgent data, no corking for datagrams here
  if (msg == nullptr || bad_user(msg, sizeof *msg)) return -EFAULT;
  if (msg->msg_controllen > 0) return -EOPNOTSUPP;  // ancillary data is not carried
  sockaddr_in storage;
  const sockaddr_in* dest;
  int rc = destination(msg->msg_name, msg->msg_namelen, false, &storage, &dest);
  size_t len = 0;
  if (rc == 0) rc = check_iov(msg->msg_iov, msg->msg_iovlen, EMSGSIZE, &len);
  if (rc < 0) return rc;
  if (len > kMaxDatagram) return -EMSGSIZE;
  struct timespec deadline;
  const Wait wait = inband_wait(*s, false, nonblock || (flags & MSG_DONTWAIT), &deadline);
  return s->send(msg->msg_iov, msg->msg_iovlen, len, dest, flags & (MSG_CONFIRM | MSG_DONTROUTE), wait);
}

ssize_t receive_inband(NetSocket* s, bool nonblock, struct msghdr* msg, int flags, const Wait* override) {
  if (flags & MSG_ERRQUEUE) return -EAGAIN;  // errors are reported as pending errors, never queued
  if (msg == nullptr || bad_user(msg, sizeof *msg)) return -EFAULT;
  size_t len = 0;
  int rc = check_iov(msg->msg_iov, msg->msg_iovlen, EMSGSIZE, &len);
  if (rc < 0) return rc;
  if (msg->msg_name != nullptr && msg->msg_namelen > 0 && bad_user(msg->msg_name, msg->msg_namelen)) return -EFAULT;
  struct timespec deadline;
  const Wait wait =
      override != nullptr ? *override : inband_wait(*s, true, nonblock || (flags & MSG_DONTWAIT), &deadline);
  sockaddr_in from = {};  // stays AF_UNSPEC when no datagram comes (shut down)
  DatagramRing::Taken taken;
  ssize_t n = s->receive(msg->msg_iov, msg->msg_iovlen, &from, (flags & MSG_PEEK) != 0, wait, &taken);
  if (n < 0) return n;
  if (msg->msg_name != nullptr && from.sin_family == AF_INET) {
    memcpy(msg->msg_name, &from, std::min<size_t>(msg->msg_namelen, sizeof from));
    msg->msg_namelen = sizeof from;
  } else {
    msg->msg_namelen = 0;
  }
  msg->msg_controllen = 0;
  msg->msg_flags = taken.copied < taken.len ? MSG_TRUNC : 0;
  return (flags & MSG_TRUNC) ? static_cast<ssize_t>(taken.len) : n;
}

// Runs fn(socket) for an in-band socket call on fd; ENOTSOCK for other EVL
// files. fn returns the C library's result (-1 and errno on failure).
template <class Fn>
auto forward(int fd, const char* what, Fn fn) -> decltype(fn(nullptr)) {
  using Result = decltype(fn(nullptr));
  inband_syscall(what);
  Pinned p = pin(fd, ENOTSOCK);
  if (p.error != 0) return fail<Result>(p.error);
  return fn(p.sock);
}

// As forward, for data transfers: fn(socket, nonblock) returns a count or
// -errno.
template <class Fn>
ssize_t forward_io(int fd, const char* what, Fn fn) {
  inband_syscall(what);
  Pinned p = pin(fd, ENOTSOCK);
  if (p.error != 0) return fail<ssize_t>(p.error);
  ssize_t n = fn(p.sock, p.nonblock());
  return n < 0 ? fail<ssize_t>(static_cast<int>(-n)) : n;
}

// What oob_sendmsg and oob_recvmsg check first: an EVL thread calls, efd is
// an out-of-band socket (pinned into *p), flags and msghdr are valid. 0 or
// the error.
int oob_entry(int efd, const void* msg, int flags, Pinned* p) {
  if (!attached()) return EPERM;
  enter_oob();
  *p = pin(efd, ENOTTY);
  if (p->error != 0) return p->error;
  if (flags & ~MSG_DONTWAIT) return EINVAL;
  if (msg == nullptr || bad_user(msg, sizeof(struct oob_msghdr))) return EFAULT;
  return 0;
}

Wait oob_wait(const Pinned& p, int flags, const struct timespec* deadline) {
  return Wait{(flags & MSG_DONTWAIT) != 0 || p.nonblock(), deadline, ETIMEDOUT};
}

long to_ns(const struct timeval& tv) { return static_cast<long>(tv.tv_sec) * 1000000000 + tv.tv_usec * 1000; }

}  // namespace
}  // namespace oskit::evl::emul

using oskit::evl::emul::NetSocket;

extern "C" {

ssize_t oob_sendmsg(int efd, const struct oob_msghdr* msg, const struct timespec* timeout, int flags) {
  using namespace oskit::evl::emul;
  Pinned p;
  if (int err = oob_entry(efd, msg, flags, &p)) return oob_fail(err);
  sockaddr_in storage;
  const sockaddr_in* dest;
  const struct timespec* deadline = nullptr;
  size_t len = 0;
  int rc = destination(msg->msg_name, msg->msg_namelen, true, &storage, &dest);
  if (rc == 0) rc = check_iov(msg->msg_iov, msg->msg_iovlen, EINVAL, &len);
  if (rc == 0 && len > kMaxDatagram) rc = -EMSGSIZE;
  if (rc == 0) rc = check_timeout(timeout, &deadline);
  if (rc < 0) return oob_fail(-rc);
  ssize_t n = p.sock->send(msg->msg_iov, msg->msg_iovlen, len, dest, 0, oob_wait(p, flags, deadline));
  return n < 0 ? oob_fail(static_cast<int>(-n)) : n;
}

ssize_t oob_recvmsg(int efd, struct oob_msghdr* msg, const struct timespec* timeout, int flags) {
  using namespace oskit::evl::emul;
  Pinned p;
  if (int err = oob_entry(efd, msg, flags, &p)) return oob_fail(err);
  if (msg->msg_name != nullptr ? msg->msg_namelen < sizeof(sockaddr_in) : msg->msg_namelen != 0) {
    return oob_fail(EINVAL);
  }
  if (msg->msg_name != nullptr && bad_user(msg->msg_name, sizeof(sockaddr_in))) return oob_fail(EFAULT);
  const struct timespec* deadline = nullptr;
  size_t len = 0;
  int rc = check_iov(msg->msg_iov, msg->msg_iovlen, EINVAL, &len);
  if (rc == 0) rc = check_timeout(timeout, &deadline);
  if (rc < 0) return oob_fail(-rc);
  sockaddr_in from = {};  // stays AF_UNSPEC when no datagram comes (shut down)
  DatagramRing::Taken taken;
  ssize_t n = p.sock->receive(msg->msg_iov, msg->msg_iovlen, msg->msg_name != nullptr ? &from : nullptr, false,
                              oob_wait(p, flags, deadline), &taken);
  if (n < 0) return oob_fail(static_cast<int>(-n));
  if (msg->msg_name != nullptr && from.sin_family == AF_INET) {
    memcpy(msg->msg_name, &from, sizeof from);
    msg->msg_namelen = sizeof from;
  }
  msg->msg_controllen = 0;
  msg->msg_flags = flags | (taken.copied < taken.len ? MSG_TRUNC : 0);
  msg->msg_time.tv_sec = 0;
  msg->msg_time.tv_nsec = 0;
  return n;
}

int oskit_evl_net_kind(int fd) {
  using namespace oskit::evl::emul;
  FileRef f = lookup(fd);
  if (!f) return OSKIT_EVL_NET_OTHER;
  return NetSocket::of(f.get()) != nullptr ? OSKIT_EVL_NET_SOCKET : OSKIT_EVL_NET_FILE;
}

int oskit_evl_net_socket(int domain, int type, int protocol) {
  int fd = NetSocket::create(domain, type & ~SOCK_OOB, protocol);
  return fd < 0 ? oskit::evl::emul::fail<int>(-fd) : fd;
}

int oskit_evl_net_bind(int fd, const struct sockaddr* addr, socklen_t len) {
  return oskit::evl::emul::forward(fd, "bind", [&](NetSocket* s) { return bind(s->kernel_fd(), addr, len); });
}

int oskit_evl_net_connect(int fd, const struct sockaddr* addr, socklen_t len) {
  return oskit::evl::emul::forward(fd, "connect", [&](NetSocket* s) {
    int rc = connect(s->kernel_fd(), addr, len);
    const int err = errno;
    struct sockaddr_storage peer;
    socklen_t peer_len = sizeof peer;
    s->set_connected(getpeername(s->kernel_fd(), reinterpret_cast<struct sockaddr*>(&peer), &peer_len) == 0);
    errno = err;
    return rc;
  });
}

int oskit_evl_net_getsockname(int fd, struct sockaddr* addr, socklen_t* len) {
  return oskit::evl::emul::forward(fd, "getsockname",
                                   [&](NetSocket* s) { return getsockname(s->kernel_fd(), addr, len); });
}

int oskit_evl_net_getpeername(int fd, struct sockaddr* addr, socklen_t* len) {
  return oskit::evl::emul::forward(fd, "getpeername",
                                   [&](NetSocket* s) { return getpeername(s->kernel_fd(), addr, len); });
}

int oskit_evl_net_setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  return oskit::evl::emul::forward(fd, "setsockopt", [&](NetSocket* s) {
    int rc = setsockopt(s->kernel_fd(), level, name, value, len);
    if (rc == 0 && level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
      struct timeval tv = {0, 0};
      socklen_t tv_len = sizeof tv;
      if (getsockopt(s->kernel_fd(), level, name, &tv, &tv_len) == 0) {
        s->set_timeout(name == SO_RCVTIMEO, oskit::evl::emul::to_ns(tv));
      }
    }
    return rc;
  });
}

int oskit_evl_net_getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  return oskit::evl::emul::forward(fd, "getsockopt", [&](NetSocket* s) {
    if (level == SOL_SOCKET && name == SO_ERROR && value != nullptr && len != nullptr && *len >= sizeof(int)) {
      if (int err = s->take_error()) {  // an error the worker met comes first
        memcpy(value, &err, sizeof err);
        *len = sizeof err;
        return 0;
      }
    }
    return getsockopt(s->kernel_fd(), level, name, value, len);
  });
}

int oskit_evl_net_shutdown(int fd, int how) {
  return oskit::evl::emul::forward(fd, "shutdown", [&](NetSocket* s) {
    int rc = shutdown(s->kernel_fd(), how);
    const int err = errno;
    if (how == SHUT_RD || how == SHUT_WR || how == SHUT_RDWR) {
      s->shut(how != SHUT_WR, how != SHUT_RD);  // as Linux, even when not connected (ENOTCONN)
    }
    errno = err;
    return rc;
  });
}

int oskit_evl_net_listen(int fd, int backlog) {
  return oskit::evl::emul::forward(fd, "listen", [&](NetSocket* s) { return listen(s->kernel_fd(), backlog); });
}

int oskit_evl_net_accept(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  return oskit::evl::emul::forward(fd, "accept",
                                   [&](NetSocket* s) { return accept4(s->kernel_fd(), addr, len, flags); });
}

ssize_t oskit_evl_net_sendmsg(int fd, const struct msghdr* msg, int flags) {
  return oskit::evl::emul::forward_io(fd, "sendmsg", [&](NetSocket* s, bool nonblock) {
    return oskit::evl::emul::send_inband(s, nonblock, msg, flags);
  });
}

ssize_t oskit_evl_net_recvmsg(int fd, struct msghdr* msg, int flags) {
  return oskit::evl::emul::forward_io(fd, "recvmsg", [&](NetSocket* s, bool nonblock) {
    return oskit::evl::emul::receive_inband(s, nonblock, msg, flags, nullptr);
  });
}

int oskit_evl_net_sendmmsg(int fd, struct mmsghdr* vec, unsigned int vlen, int flags) {
  using oskit::evl::emul::fail;
  if (vec == nullptr && vlen > 0) return fail<int>(EFAULT);
  unsigned int done = 0;
  for (; done < vlen; done++) {
    ssize_t n = oskit_evl_net_sendmsg(fd, &vec[done].msg_hdr, flags);
    if (n < 0) return done > 0 ? static_cast<int>(done) : -1;
    vec[done].msg_len = static_cast<unsigned int>(n);
  }
  return static_cast<int>(done);
}

int oskit_evl_net_recvmmsg(int fd, struct mmsghdr* vec, unsigned int vlen, int flags, struct timespec* timeout) {
  using namespace oskit::evl::emul;
  if (vec == nullptr && vlen > 0) return fail<int>(EFAULT);
  struct timespec deadline;
  if (timeout != nullptr) {
    if (bad_user(timeout, sizeof *timeout)) return fail<int>(EFAULT);
    if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000) return fail<int>(EINVAL);
    deadline = monotonic_now();
    const long nsec = deadline.tv_nsec + timeout->tv_nsec;
    deadline.tv_sec += timeout->tv_sec + nsec / 1000000000;
    deadline.tv_nsec = nsec % 1000000000;
  }
  unsigned int done = 0;
  for (; done < vlen; done++) {
    const int f = done > 0 && (flags & MSG_WAITFORONE) ? (flags | MSG_DONTWAIT) : flags;
    ssize_t n = forward_io(fd, "recvmmsg", [&](NetSocket* s, bool nonblock) {
      const Wait wait{nonblock || (f & MSG_DONTWAIT), timeout != nullptr ? &deadline : nullptr, EAGAIN};
      return receive_inband(s, nonblock, &vec[done].msg_hdr, f, timeout != nullptr ? &wait : nullptr);
    });
    if (n < 0) return done > 0 ? static_cast<int>(done) : -1;
    vec[done].msg_len = static_cast<unsigned int>(n);
  }
  return static_cast<int>(done);
}

}  // extern "C"
