/* EVL threads (libevl's <uapi/evl/thread.h>): state and mode bits, health
 * monitoring codes, the state evl_get_state() reports. */
#ifndef _EVL_UAPI_THREAD_H
#define _EVL_UAPI_THREAD_H

#include <linux/types.h>
#include <uapi/evl/sched.h>

#define EVL_THREAD_DEV "thread"

/* State bits (evl_thread_state.state). */
#define T_SUSP 0x00000001    /* forcibly suspended */
#define T_PEND 0x00000002    /* blocked on a wait queue or mutex */
#define T_DELAY 0x00000004   /* delayed or timed */
#define T_WAIT 0x00000008    /* periodic wait */
#define T_READY 0x00000010   /* ready to run */
#define T_DORMANT 0x00000020 /* not started */
#define T_ZOMBIE 0x00000040  /* dead, waiting for disposal */
#define T_INBAND 0x00000080  /* running in-band */
#define T_HALT 0x00000100
#define T_BOOST 0x00000200 /* priority boosted (inheritance or ceiling) */
#define T_PTSYNC 0x00000400
#define T_RRB 0x00000800 /* round-robin scheduling */
#define T_ROOT 0x00001000
#define T_WEAK 0x00002000 /* SCHED_WEAK */
#define T_USER 0x00004000 /* a user thread */

/* Mode bits (evl_set_thread_mode(), evl_clear_thread_mode()). */
#define T_WOSS 0x00008000 /* warn on stage switch */
#define T_WOLI 0x00010000 /* warn on locking inconsistency */
#define T_WOSX 0x00020000 /* warn on stage exclusion */
#define T_PTRACE 0x00040000
#define T_OBSERV 0x00080000 /* observable thread */
#define T_HMSIG 0x00100000  /* health monitoring events through SIGDEBUG */
#define T_HMOBS 0x00200000  /* health monitoring events through the observable */

/* Health monitoring diagnostics, as SIGDEBUG causes or notice tags. */
#define EVL_HMDIAG_SIGDEMOTE 1 /* demoted to in-band by a signal */
#define EVL_HMDIAG_SYSDEMOTE 2 /* demoted to in-band by a system call */
#define EVL_HMDIAG_EXDEMOTE 3  /* demoted to in-band by a fault */
#define EVL_HMDIAG_WATCHDOG 4
#define EVL_HMDIAG_LKDEPEND 5    /* mutex owner sleeping in-band */
#define EVL_HMDIAG_LKIMBALANCE 6 /* mutex unlocked by a non-owner */
#define EVL_HMDIAG_LKSLEEP 7     /* sleeping while holding a mutex */
#define EVL_HMDIAG_STAGEX 8      /* stage exclusion */

/* A thread's state as evl_get_state() reports it. */
struct evl_thread_state {
  struct evl_sched_attrs eattrs; /* effective attributes (boosts included) */
  __u32 cpu;
  __u32 state; /* T_* state bits */
  __u32 isw;   /* in-band switches */
  __u32 csw;   /* context switches */
  __u32 sc;    /* EVL system calls */
  __u32 rwa;   /* remote wake-ups */
  __u64 xtime; /* run time (ns) */
};

#endif /* !_EVL_UAPI_THREAD_H */
