/* Monitors: the element behind EVL mutexes (gates), semaphores, flag groups
 * and events (libevl's <uapi/evl/monitor.h>). */
#ifndef _EVL_UAPI_MONITOR_H
#define _EVL_UAPI_MONITOR_H

#include <linux/types.h>
#include <uapi/evl/factory.h>
#include <uapi/evl/types.h>

#define EVL_MONITOR_DEV "monitor"

#define EVL_MONITOR_EVENT 0 /* an event monitor... */
#define EVL_EVENT_GATED 0   /* ...waited on under a mutex (evl_event) */
#define EVL_EVENT_COUNT 1   /* ...counting (evl_sem) */
#define EVL_EVENT_MASK 2    /* ...a bit mask (evl_flags) */
#define EVL_MONITOR_GATE 1  /* a gate monitor (evl_mutex)... */
#define EVL_GATE_PI 0       /* ...with priority inheritance */
#define EVL_GATE_PP 1       /* ...with priority protection (ceiling) */

/* The state of a monitor, readable by the process that holds it. */
struct evl_monitor_state {
  __u32 flags;
  union {
    struct {
      fundle_t owner; /* the owning thread, or EVL_NO_HANDLE */
      __u32 ceiling;
      __u32 recursive : 1, nesting : 31;
    } gate;
    struct {
      __s32 value; /* count or bit mask */
      __u32 pollrefs;
    } event;
  } u;
};

#endif /* !_EVL_UAPI_MONITOR_H */
