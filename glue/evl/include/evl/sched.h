/* Scheduling of EVL threads (libevl <evl/sched.h>; the EVL documentation's
 * "Scheduling" page). Calls return 0 or a negated errno. */
#ifndef _EVL_SCHED_H
#define _EVL_SCHED_H

#include <sched.h>
#include <sys/types.h>
#include <uapi/evl/sched.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sets the attributes of the thread whose descriptor is efd (SCHED_FIFO,
 * SCHED_RR, SCHED_WEAK; SCHED_QUOTA and SCHED_TP where the core has them):
 * 0, -EINVAL, -EOPNOTSUPP, -EBADF, -ESTALE (thread gone). */
int evl_set_schedattr(int efd, const struct evl_sched_attrs *attrs);

/* The thread's base attributes (without boosts). */
int evl_get_schedattr(int efd, struct evl_sched_attrs *attrs);

/* Controls a policy's per-CPU settings (SCHED_QUOTA groups, SCHED_TP
 * windows): 0, -EINVAL, -EOPNOTSUPP (policy not in this core), -ENXIO. */
int evl_control_sched(int policy, const union evl_sched_ctlparam *param, union evl_sched_ctlinfo *info, int cpu);

/* The EVL_CPU_* state bits of a CPU: 0, -EINVAL (no such CPU), -ENXIO. */
int evl_get_cpustate(int cpu, int *state_r);

/* Yields the CPU to threads of the same priority: 0, -EPERM. */
int evl_yield(void);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_SCHED_H */
