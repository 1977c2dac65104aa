/* EVL events (libevl <evl/event.h>; the EVL documentation's "Event" page):
 * condition variables waited on under an EVL mutex. Calls return 0 (or a
 * descriptor) or a negated errno. */
#ifndef _EVL_EVENT_H
#define _EVL_EVENT_H

#include <evl/mutex.h>
#include <linux/types.h>
#include <time.h>
#include <uapi/evl/clock.h>
#include <uapi/evl/factory.h>
#include <uapi/evl/monitor.h>
#include <uapi/evl/types.h>

struct evl_event {
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
      int flags;
    } uninit;
  } u;
};

#define __EVENT_UNINIT_MAGIC 0x01770177

/* An event created on first use. */
#define EVL_EVENT_INITIALIZER(__name, __clockfd, __flags)                                                           \
  {                                                                                                                 \
    .magic = __EVENT_UNINIT_MAGIC, .u = {.uninit = {.name = (__name), .clockfd = (__clockfd), .flags = (__flags)} } \
  }

/* A private event on EVL_CLOCK_MONOTONIC. */
#define evl_new_event(__evt, ...) evl_create_event(__evt, EVL_CLOCK_MONOTONIC, EVL_CLONE_PRIVATE, __VA_ARGS__)

#ifdef __cplusplus
extern "C" {
#endif

/* Creates an event; returns its descriptor, -EEXIST, -EINVAL, -ENXIO,
 * -EMFILE, -ENFILE, -ENOMEM. */
int evl_create_event(struct evl_event *evt, int clockfd, int flags, const char *fmt, ...);

/* Opens the public event /dev/evl/monitor/<name>. */
int evl_open_event(struct evl_event *evt, const char *fmt, ...);

/* Releases mutex (which the caller must own), waits for a signal, then takes
 * mutex back: 0, -EPERM (caller not attached, or not the owner), -EBADFD
 * (other waiters wait under another mutex), -EIDRM, -EINTR, -EINVAL. */
int evl_wait_event(struct evl_event *evt, struct evl_mutex *mutex);

/* evl_wait_event() until the absolute timeout on the event's clock; the mutex
 * is owned again on -ETIMEDOUT too. */
int evl_timedwait_event(struct evl_event *evt, struct evl_mutex *mutex, const struct timespec *timeout);

/* Wakes the highest-priority waiter: 0, -EINVAL. */
int evl_signal_event(struct evl_event *evt);

/* Wakes the waiter whose thread descriptor is thrfd, if it waits. */
int evl_signal_thread(struct evl_event *evt, int thrfd);

/* Wakes every waiter. */
int evl_broadcast_event(struct evl_event *evt);

/* Closes the event. */
int evl_close_event(struct evl_event *evt);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_EVENT_H */
