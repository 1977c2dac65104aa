/* Polling sets (libevl's <uapi/evl/poll.h>). */
#ifndef _EVL_UAPI_POLL_H
#define _EVL_UAPI_POLL_H

#include <uapi/evl/types.h>

#define EVL_POLL_DEV "poll"

/* One ready descriptor, as evl_poll() reports it. */
struct evl_poll_event {
  __u32 fd;
  __u32 events;
  union evl_value pollval; /* given to evl_add_pollfd() */
};

#endif /* !_EVL_UAPI_POLL_H */
