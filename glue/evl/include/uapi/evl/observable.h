/* Observables (libevl's <uapi/evl/observable.h>). */
#ifndef _EVL_UAPI_OBSERVABLE_H
#define _EVL_UAPI_OBSERVABLE_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <uapi/evl/types.h>

#define EVL_OBSERVABLE_DEV "observable"

/* Subscription flags (evl_subscribe()). */
#define EVL_NOTIFY_ALWAYS (0 << 0)
#define EVL_NOTIFY_ONCHANGE (1 << 0) /* skip a notice equal to the last one */
#define EVL_NOTIFY_MASK EVL_NOTIFY_ONCHANGE

/* What evl_update_observable() sends. */
struct evl_notice {
  __u32 tag;
  union evl_value event;
};

/* Tags below this value are the core's (EVL_HMDIAG_* on threads). */
#define EVL_NOTICE_USER 64

/* What subscribing asks for. */
struct evl_subscription {
  __u32 backlog_count;
  __u32 flags;
};

/* What read(2) and oob_read() return from an observable. */
struct __evl_notification {
  __u32 tag;
  __u32 serial;
  __s32 issuer; /* the sender's process id */
  union evl_value event;
  struct __evl_timespec date; /* CLOCK_MONOTONIC */
};

#define EVL_OBSERVABLE_IOCBASE 'o'

/* Subscribes or unsubscribes the calling thread (ioctl(2) on an observable or
 * an observable thread). */
#define EVL_OBSIOC_SUBSCRIBE _IOW(EVL_OBSERVABLE_IOCBASE, 0, struct evl_subscription)
#define EVL_OBSIOC_UNSUBSCRIBE _IO(EVL_OBSERVABLE_IOCBASE, 1)

#endif /* !_EVL_UAPI_OBSERVABLE_H */
