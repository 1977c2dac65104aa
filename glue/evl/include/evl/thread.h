/* EVL threads (libevl <evl/thread.h>). Calls return a non-negative value on
 * success, a negated errno on failure. In the emulation a thread's stage is
 * tracked (see glue/evl/stage.h): an attached thread is switched out-of-band
 * by any oob_* call, and back in-band by an in-band system call. */
#ifndef _EVL_THREAD_H
#define _EVL_THREAD_H

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <evl/factory-abi.h>
#include <evl/syscall.h>

/* A reasonable stack size for an EVL thread. */
#define EVL_STACK_DEFAULT ((int)PTHREAD_STACK_MIN < 65536 ? 65536 : (int)PTHREAD_STACK_MIN)

/* Attaches the caller as a private EVL thread named from the format. */
#define evl_attach_self(...) evl_attach_thread(EVL_CLONE_PRIVATE, __VA_ARGS__)

#ifdef __cplusplus
extern "C" {
#endif

/* Attaches the calling thread to the EVL core (initialising the library if
 * needed). Returns the thread's element descriptor, or -EBUSY if already
 * attached, -EINVAL for bad flags or a badly formed name, -EEXIST if the name
 * is taken, -ENOMEM, -EMFILE/-ENFILE. */
int evl_attach_thread(int flags, const char *fmt, ...);

/* Detaches the calling thread; flags must be 0. Returns 0, -EPERM if the
 * caller is not attached, -EINVAL for bad flags. */
int evl_detach_thread(int flags);

/* Same as evl_detach_thread(0). */
int evl_detach_self(void);

/* The caller's element descriptor, or -EPERM if it is not attached. */
int evl_get_self(void);

/* Switches an attached caller to the out-of-band stage. 0 or -EPERM. */
int evl_switch_oob(void);

/* Switches an attached caller back to the in-band stage. 0 or -EPERM. */
int evl_switch_inband(void);

/* Whether the caller runs in-band (always true for a non-attached thread). */
bool evl_is_inband(void);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_THREAD_H */
