/* EVL flag groups (libevl <evl/flags.h>; the EVL documentation's "Event
 * flag group" page): a 32-bit mask posted by some threads, collected whole by
 * one waiter. Calls return 0 (or a descriptor) or a negated errno. */
#ifndef _EVL_FLAGS_H
#define _EVL_FLAGS_H

#include <linux/types.h>
#include <time.h>
#include <uapi/evl/clock.h>
#include <uapi/evl/factory.h>
#include <uapi/evl/monitor.h>
#include <uapi/evl/types.h>

struct evl_flags {
  unsigned int magic;
  union {
    struct {
      const char *name;
      int clockfd;
      int initval;
      int flags;
    } uninit;
    struct {
      fundle_t fundle;
      struct evl_monitor_state *state;
      int efd;
    } active;
  } u;
};

#define __FLAGS_UNINIT_MAGIC 0xfebcfebc

/* A flag group created on first use. */
#define EVL_FLAGS_INITIALIZER(__name, __clockfd, __initval, __flags)                                   \
  {                                                                                                    \
    .magic = __FLAGS_UNINIT_MAGIC, .u = {                                                              \
      .uninit = {.name = (__name), .clockfd = (__clockfd), .initval = (__initval), .flags = (__flags)} \
    }                                                                                                  \
  }

/* A private flag group on EVL_CLOCK_MONOTONIC, all bits clear. */
#define evl_new_flags(__flg, ...) evl_create_flags(__flg, EVL_CLOCK_MONOTONIC, 0, EVL_CLONE_PRIVATE, __VA_ARGS__)

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a flag group; returns its descriptor, -EEXIST, -EINVAL, -ENXIO,
 * -EMFILE, -ENFILE, -ENOMEM (as evl_create_sem()). */
int evl_create_flags(struct evl_flags *flg, int clockfd, int initval, int flags, const char *fmt, ...);

/* Opens the public flag group /dev/evl/monitor/<name>. */
int evl_open_flags(struct evl_flags *flg, const char *fmt, ...);

/* Closes the flag group (waiters get -EIDRM once no descriptor is left). */
int evl_close_flags(struct evl_flags *flg);

/* Waits until some bit is set, then takes and clears all of them into
 * *r_bits: 0, -EPERM (caller not attached), -EIDRM, -EINTR, -EBADF, -EINVAL. */
int evl_wait_flags(struct evl_flags *flg, int *r_bits);

/* evl_wait_flags() until the absolute timeout on the group's clock (all-zero:
 * no timeout); -ETIMEDOUT when it passes. */
int evl_timedwait_flags(struct evl_flags *flg, const struct timespec *timeout, int *r_bits);

/* ORs bits (non-zero) into the group, waking a waiter: 0, -EINVAL, -EBADF. */
int evl_post_flags(struct evl_flags *flg, int bits);

/* Takes the bits if any is set: 0, -EAGAIN. */
int evl_trywait_flags(struct evl_flags *flg, int *r_bits);

/* The bits currently set, left as they are. */
int evl_peek_flags(struct evl_flags *flg, int *r_bits);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_FLAGS_H */
