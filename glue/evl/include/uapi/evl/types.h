/* Types shared by every EVL element (libevl's <uapi/evl/types.h>, the EVL
 * core's user ABI). */
#ifndef _EVL_UAPI_TYPES_H
#define _EVL_UAPI_TYPES_H

#include <linux/types.h>

/* A handle naming an element in the core (a thread, a monitor). */
typedef __u32 fundle_t;

#define EVL_NO_HANDLE ((fundle_t)0x00000000)

/* Time as the core's ABI carries it: 64-bit on every architecture. */
typedef long long __evl_time64_t;

struct __evl_timespec {
  __evl_time64_t tv_sec;
  long long tv_nsec;
};

struct __evl_itimerspec {
  struct __evl_timespec it_interval;
  struct __evl_timespec it_value;
};

/* A value travelling with a poll event or a notice. */
union evl_value {
  __s32 val;
  __s64 lval;
  void *ptr;
};

#ifdef __cplusplus
static inline union evl_value __evl_intval(__s64 v) {
  union evl_value x;
  x.lval = v;
  return x;
}
static inline union evl_value __evl_ptrval(void *p) {
  union evl_value x;
  x.lval = 0;
  x.ptr = p;
  return x;
}
#define evl_intval(__val) __evl_intval(__val)
#define evl_ptrval(__ptr) __evl_ptrval(__ptr)
#else
#define evl_intval(__val) ((union evl_value){.lval = (__val)})
#define evl_ptrval(__ptr) ((union evl_value){.ptr = (__ptr)})
#endif
#define evl_nil evl_intval(0)

#endif /* !_EVL_UAPI_TYPES_H */
