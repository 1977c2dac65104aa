/* Observables (libevl <evl/observable.h>; the EVL documentation's
 * "Observable" page): notices sent to an observable reach each subscribed
 * thread (or one of them, round-robin, for EVL_CLONE_MASTER). Threads
 * attached with EVL_CLONE_OBSERVABLE are observables too. Calls return a
 * count (or a descriptor) or a negated errno. */
#ifndef _EVL_OBSERVABLE_H
#define _EVL_OBSERVABLE_H

#include <evl/syscall.h>
#include <stdint.h>
#include <time.h>
#include <uapi/evl/factory.h>
#include <uapi/evl/observable.h>

/* A notification as evl_read_observable() returns it. */
struct evl_notification {
  uint32_t tag;
  uint32_t serial;
  int32_t issuer;
  union evl_value event;
  struct timespec date;
};

/* A private observable. */
#define evl_new_observable(...) evl_create_observable(EVL_CLONE_PRIVATE, __VA_ARGS__)

#ifdef __cplusplus
extern "C" {
#endif

/* Creates an observable (flags: visibility, EVL_CLONE_MASTER,
 * EVL_CLONE_NONBLOCK); returns its descriptor, -EEXIST, -EINVAL, -ENXIO,
 * -EMFILE, -ENFILE, -ENOMEM. */
int evl_create_observable(int flags, const char *fmt, ...);

/* Sends nr notices (tags at least EVL_NOTICE_USER); returns how many were
 * queued (0 when no observer has room), -EINVAL, -EBADF, -EFAULT. */
int evl_update_observable(int ofd, const struct evl_notice *ntc, int nr);

/* Receives up to nr notifications for the calling thread, blocking until one
 * comes unless the descriptor is O_NONBLOCK; returns the count, -ENXIO (the
 * caller has not subscribed), -EAGAIN, -EBADF (closed while waiting). */
int evl_read_observable(int ofd, struct evl_notification *nf, int nr);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_OBSERVABLE_H */
