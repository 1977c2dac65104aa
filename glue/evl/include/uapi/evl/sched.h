/* Scheduling attributes of EVL threads (libevl's <uapi/evl/sched.h>). */
#ifndef _EVL_UAPI_SCHED_H
#define _EVL_UAPI_SCHED_H

#include <linux/types.h>
#include <time.h>

/* CPU state bits evl_get_cpustate() reports. */
#define EVL_CPU_OOB (1 << 0)  /* runs out-of-band activity */
#define EVL_CPU_ISOL (1 << 1) /* isolated from the in-band scheduler */
#define EVL_CPU_OFFLINE (1 << 2)

/* EVL's own policies, beside SCHED_FIFO and SCHED_RR. */
#define SCHED_WEAK 43  /* in-band priority, EVL services */
#define SCHED_QUOTA 44 /* budget per period for a thread group */
#define SCHED_TP 45    /* time partitioning */

#define EVL_TP_IDLE -1 /* the idle pseudo-partition */

struct __sched_rr_param {
  struct timespec __sched_rr_quantum;
};

struct __sched_quota_param {
  int __sched_group;
};

struct __sched_tp_param {
  int __sched_partition;
};

struct evl_sched_attrs {
  int sched_policy;
  int sched_priority;
  union {
    struct __sched_rr_param rr;
    struct __sched_quota_param quota;
    struct __sched_tp_param tp;
  } sched_u;
};

#define sched_rr_quantum sched_u.rr.__sched_rr_quantum
#define sched_quota_group sched_u.quota.__sched_group
#define sched_tp_partition sched_u.tp.__sched_partition

struct evl_quota_ctlparam {
  enum {
    evl_quota_add,
    evl_quota_remove,
    evl_quota_force_remove,
    evl_quota_set,
    evl_quota_get,
  } op;
  union {
    struct {
      int tgid;
    } remove;
    struct {
      int tgid;
      int quota;
      int quota_peak;
    } set;
    struct {
      int tgid;
    } get;
  } u;
};

struct evl_quota_ctlinfo {
  int tgid;
  int quota;
  int quota_peak;
  int quota_sum;
};

struct __sched_tp_window {
  struct timespec offset;
  struct timespec duration;
  int ptid;
};

/* A flexible array member, as libevl declares it: ISO C99, an extension in C++. */
#ifdef __cplusplus
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#ifdef __clang__
#pragma GCC diagnostic ignored "-Wc99-extensions"
#endif
#endif
struct evl_tp_ctlparam {
  enum {
    evl_tp_install,
    evl_tp_uninstall,
    evl_tp_start,
    evl_tp_stop,
    evl_tp_get,
  } op;
  int nr_windows;
  struct __sched_tp_window windows[];
};

struct evl_tp_ctlinfo {
  int nr_windows;
  struct __sched_tp_window windows[];
};
#ifdef __cplusplus
#pragma GCC diagnostic pop
#endif

#define evl_tp_paramlen(__nr_windows) \
  (sizeof(struct evl_tp_ctlparam) + (__nr_windows) * sizeof(struct __sched_tp_window))
#define evl_tp_infolen(__nr_windows) (sizeof(struct evl_tp_ctlinfo) + (__nr_windows) * sizeof(struct __sched_tp_window))

union evl_sched_ctlparam {
  struct evl_quota_ctlparam quota;
  struct evl_tp_ctlparam tp;
};

union evl_sched_ctlinfo {
  struct evl_quota_ctlinfo quota;
  struct evl_tp_ctlinfo tp;
};

#endif /* !_EVL_UAPI_SCHED_H */
