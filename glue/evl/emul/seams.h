/* Test seams and statistics of the proxy emulation. Usable from C and C++. */
#ifndef GLUE_EVL_TESTING_H
#define GLUE_EVL_TESTING_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a proxy's relay workers reach its target file: writev(2) and read(2)
 * unless replaced (a fault injector wraps them). Same return convention as
 * the system calls. */
struct oskit_evl_target_io {
  ssize_t (*writev)(void *ctx, int fd, const struct iovec *iov, int iovcnt);
  ssize_t (*read)(void *ctx, int fd, void *buf, size_t count);
  void *ctx;
};

/* Replaces the target I/O of a proxy (io NULL: the system calls). The table
 * must outlive the proxy. Returns 0 or -EBADF. */
int oskit_evl_proxy_set_target_io(int proxyfd, const struct oskit_evl_target_io *io);

struct oskit_evl_proxy_stats {
  uint64_t bytes_relayed_out; /* written to the target */
  uint64_t bytes_relayed_in;  /* read from the target */
  uint64_t target_errors;     /* failed target transfers (retried or not) */
  uint64_t bytes_dropped;     /* output given up on (permanent error, close) */
  uint64_t worker_wakeups;    /* producers' wakeups of the sleeping output worker */
  uint64_t worker_sleeps;     /* times the output worker went to sleep */
  int last_error;             /* errno of the last target failure, 0 if none */
};

/* Fills *stats for a proxy; 0 or -EBADF. */
int oskit_evl_proxy_get_stats(int proxyfd, struct oskit_evl_proxy_stats *stats);

/* Keeps the proxy's output worker polling instead of sleeping (on non-zero),
 * or lets it sleep again when idle. Returns 0 or -EBADF. */
int oskit_evl_proxy_hold_awake(int proxyfd, int on);

#ifdef __cplusplus
}
#endif

#endif /* GLUE_EVL_TESTING_H */
