/* EVL mutexes (libevl <evl/mutex.h>; the EVL documentation's "Mutex" page):
 * priority inheritance by default, priority protection with a ceiling.
 * Calls return 0 (or a descriptor) or a negated errno. */
#ifndef _EVL_MUTEX_H
#define _EVL_MUTEX_H

#include <linux/types.h>
#include <time.h>
#include <uapi/evl/clock.h>
#include <uapi/evl/factory.h>
#include <uapi/evl/monitor.h>
#include <uapi/evl/types.h>

#define EVL_MUTEX_NORMAL (0 << 0)
#define EVL_MUTEX_RECURSIVE (1 << 0)

#define __MUTEX_UNINIT_MAGIC 0xfe11fe11
#define __MUTEX_ACTIVE_MAGIC 0xab12ab12

struct evl_mutex {
  unsigned int magic;
  union {
    struct {
      fundle_t fundle;
      struct evl_monitor_state *state;
      int efd;
      int monitor : 2, protocol : 4;
    } active;
    struct {
      const char *name;
      int clockfd;
      unsigned int ceiling;
      int flags;
      int monitor : 2;
    } uninit;
  } u;
};

/* A mutex created on first use. */
#define EVL_MUTEX_INITIALIZER(__name, __clockfd, __ceiling, __flags) \
  {                                                                  \
    .magic = __MUTEX_UNINIT_MAGIC, .u = {                            \
      .uninit = {.name = (__name),                                   \
                 .clockfd = (__clockfd),                             \
                 .ceiling = (__ceiling),                             \
                 .flags = (__flags),                                 \
                 .monitor = EVL_MONITOR_GATE}                        \
    }                                                                \
  }

/* A private, non-recursive mutex with priority inheritance. */
#define evl_new_mutex(__mutex, ...) \
  evl_create_mutex(__mutex, EVL_CLOCK_MONOTONIC, 0, EVL_MUTEX_NORMAL | EVL_CLONE_PRIVATE, __VA_ARGS__)

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a mutex: priority inheritance when ceiling is 0, else priority
 * protection at ceiling (1 to the highest SCHED_FIFO priority). flags:
 * EVL_MUTEX_RECURSIVE and the EVL_CLONE_* visibility flags. Returns the
 * descriptor, -EEXIST, -EINVAL, -ENXIO, -EMFILE, -ENFILE, -ENOMEM. */
int evl_create_mutex(struct evl_mutex *mutex, int clockfd, unsigned int ceiling, int flags, const char *fmt, ...);

/* Opens the public mutex /dev/evl/monitor/<name>. */
int evl_open_mutex(struct evl_mutex *mutex, const char *fmt, ...);

/* Locks, waiting while another thread owns it: 0, -EPERM (caller not
 * attached), -EDEADLK (the caller owns it, or waiting would deadlock),
 * -EAGAIN (recursion count overflow), -EIDRM, -EINTR, -EINVAL. */
int evl_lock_mutex(struct evl_mutex *mutex);

/* evl_lock_mutex() until the absolute timeout on the mutex's clock (all-zero:
 * no timeout); -ETIMEDOUT when it passes. */
int evl_timedlock_mutex(struct evl_mutex *mutex, const struct timespec *timeout);

/* Locks if free: 0, -EBUSY (owned by another thread), -EDEADLK (by the
 * caller, non-recursive), -EPERM, -EINVAL. */
int evl_trylock_mutex(struct evl_mutex *mutex);

/* Unlocks: 0, -EPERM (the caller does not own it), -EINVAL. */
int evl_unlock_mutex(struct evl_mutex *mutex);

/* Changes the ceiling of a priority-protected mutex (taking effect at its
 * next locking): 0, -EINVAL. */
int evl_set_mutex_ceiling(struct evl_mutex *mutex, unsigned int ceiling);

/* The ceiling, 0 for priority inheritance, -EINVAL. */
int evl_get_mutex_ceiling(struct evl_mutex *mutex);

/* Closes the mutex. */
int evl_close_mutex(struct evl_mutex *mutex);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_MUTEX_H */
