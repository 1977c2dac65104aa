/* EVL threads (libevl <evl/thread.h>; the EVL documentation's "Thread"
 * page). Calls return a non-negative value on success, a negated errno on
 * failure. In the emulation a thread's stage is tracked (glue/evl/stage.h):
 * an attached thread is switched out-of-band by any oob_* call, and back
 * in-band by an in-band system call. */
#ifndef _EVL_THREAD_H
#define _EVL_THREAD_H

#include <evl/syscall.h>
#include <limits.h>
#include <linux/types.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <uapi/evl/factory.h>
#include <uapi/evl/sched.h>
#include <uapi/evl/signal.h>
#include <uapi/evl/thread.h>

/* A reasonable stack size for an EVL thread. */
#define EVL_STACK_DEFAULT ((int)PTHREAD_STACK_MIN < 65536 ? 65536 : (int)PTHREAD_STACK_MIN)

/* Attaches the caller as a private EVL thread named from the format. */
#define evl_attach_self(...) evl_attach_thread(EVL_CLONE_PRIVATE, __VA_ARGS__)

#ifdef __cplusplus
extern "C" {
#endif

/* Attaches the calling thread to the EVL core (initialising the library if
 * needed), with the scheduling policy and priority it has in-band. flags:
 * EVL_CLONE_PUBLIC, EVL_CLONE_OBSERVABLE, EVL_CLONE_NONBLOCK; a name starting
 * with '/' is public. Returns the thread's descriptor, or -EBUSY (already
 * attached), -EINVAL, -EEXIST, -ENXIO (core stopped), -ENOMEM, -EMFILE,
 * -ENFILE. */
int evl_attach_thread(int flags, const char *fmt, ...);

/* Detaches the calling thread; flags must be 0. Returns 0, -EPERM if the
 * caller is not attached, -EINVAL for bad flags. */
int evl_detach_thread(int flags);

/* Same as evl_detach_thread(0). */
int evl_detach_self(void);

/* The caller's thread descriptor, or -EPERM if it is not attached. */
int evl_get_self(void);

/* Switches an attached caller to the out-of-band stage. 0 or -EPERM. */
int evl_switch_oob(void);

/* Switches an attached caller back to the in-band stage. 0 or -EPERM. */
int evl_switch_inband(void);

/* Whether the caller runs in-band (always true for a non-attached thread). */
bool evl_is_inband(void);

/* The state of the thread whose descriptor is efd: effective scheduling
 * attributes (priority boosts included), T_* state bits, counters. 0, -EBADF,
 * -EFAULT, -ESTALE (the thread has gone). */
int evl_get_state(int efd, struct evl_thread_state *statebuf);

/* Wakes the thread from any wait, which then fails with -EINTR. 0, -EBADF. */
int evl_unblock_thread(int efd);

/* Forces the thread in-band. 0, -EBADF. */
int evl_demote_thread(int efd);

/* Sets mode bits (T_WOSS, T_WOLI, T_WOSX, T_HMSIG, T_HMOBS); the previous bits
 * go to *oldmask when not NULL. T_HMSIG is implied by T_WOSS, T_WOLI and T_WOSX
 * unless T_HMOBS is given. 0, -EINVAL (other bits, or T_HMOBS on a thread that
 * is not observable), -EBADF. */
int evl_set_thread_mode(int efd, int mask, int *oldmask);

/* Clears mode bits; as evl_set_thread_mode(). */
int evl_clear_thread_mode(int efd, int mask, int *oldmask);

/* Subscribes the calling thread (attached or not) to the observable ofd,
 * with room for backlog_count notifications (flags: EVL_NOTIFY_ONCHANGE):
 * 0, -EPERM (not observable), -EINVAL, -ENOMEM, -EBADF. Subscribing again
 * replaces the subscription. */
int evl_subscribe(int ofd, unsigned int backlog_count, int flags);

/* Ends the caller's subscription: 0, -EPERM, -ENOENT (not subscribed), -EBADF. */
int evl_unsubscribe(int ofd);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_THREAD_H */
