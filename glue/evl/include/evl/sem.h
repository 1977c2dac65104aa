/* EVL semaphores (libevl <evl/sem.h>; the EVL documentation's "Semaphore"
 * page). Calls return 0 (or a descriptor) or a negated errno. */
#ifndef _EVL_SEM_H
#define _EVL_SEM_H

#include <linux/types.h>
#include <time.h>
#include <uapi/evl/clock.h>
#include <uapi/evl/factory.h>
#include <uapi/evl/monitor.h>
#include <uapi/evl/types.h>

struct evl_sem {
  unsigned int magic;
  union {
    struct {
      fundle_t fundle;
      struct evl_monitor_state *state;
      int efd;
    } active;
    struct {
      const char *name;
      int clockfd;
      int initval;
      int flags;
    } uninit;
  } u;
};

#define __SEM_UNINIT_MAGIC 0xed15ed15

/* A semaphore created on first use. */
#define EVL_SEM_INITIALIZER(__name, __clockfd, __initval, __flags)                                     \
  {                                                                                                    \
    .magic = __SEM_UNINIT_MAGIC, .u = {                                                                \
      .uninit = {.name = (__name), .clockfd = (__clockfd), .initval = (__initval), .flags = (__flags)} \
    }                                                                                                  \
  }

/* A private semaphore on EVL_CLOCK_MONOTONIC, count 0. */
#define evl_new_sem(__sem, ...) evl_create_sem(__sem, EVL_CLOCK_MONOTONIC, 0, EVL_CLONE_PRIVATE, __VA_ARGS__)

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a semaphore; returns its descriptor, -EEXIST (name taken), -EINVAL
 * (bad clock, name or flags), -ENXIO (library not initialised, or the core
 * stopped), -EMFILE, -ENFILE, -ENOMEM. fmt may be NULL (anonymous). */
int evl_create_sem(struct evl_sem *sem, int clockfd, int initval, int flags, const char *fmt, ...);

/* Opens the public semaphore /dev/evl/monitor/<name>: its descriptor,
 * -ENOENT, -EINVAL (not a semaphore), -ENXIO. */
int evl_open_sem(struct evl_sem *sem, const char *fmt, ...);

/* Closes the semaphore (waiters get -EIDRM once no descriptor is left). */
int evl_close_sem(struct evl_sem *sem);

/* Decrements, waiting while the count is zero: 0, -EPERM (caller not
 * attached), -EIDRM (deleted while waiting), -EINTR, -EBADF (closed),
 * -EINVAL (not a semaphore). */
int evl_get_sem(struct evl_sem *sem);

/* evl_get_sem() until the absolute timeout on the semaphore's clock
 * (all-zero: no timeout); -ETIMEDOUT when it passes. */
int evl_timedget_sem(struct evl_sem *sem, const struct timespec *timeout);

/* Increments, waking the first waiter: 0, -EBADF, -EINVAL. Any thread. */
int evl_put_sem(struct evl_sem *sem);

/* Decrements if the count is positive: 0, -EAGAIN, -EBADF, -EINVAL. */
int evl_tryget_sem(struct evl_sem *sem);

/* The current count into *r_val: 0, -EBADF, -EINVAL. */
int evl_peek_sem(struct evl_sem *sem, int *r_val);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_SEM_H */
