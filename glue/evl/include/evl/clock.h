/* EVL clocks (libevl <evl/clock.h>; the EVL documentation's "Clock" page).
 * A clock is named by EVL_CLOCK_MONOTONIC, EVL_CLOCK_REALTIME or a descriptor
 * on /dev/evl/clock/<name>. Calls return 0 or a negated errno. */
#ifndef _EVL_CLOCK_H
#define _EVL_CLOCK_H

#include <errno.h>
#include <evl/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <uapi/evl/clock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the clock into tp: 0, -EINVAL (not a clock), -EFAULT. */
int evl_read_clock(int clockfd, struct timespec *tp);

/* Sets the clock: 0, -EINVAL, -EPERM (not allowed to). */
int evl_set_clock(int clockfd, const struct timespec *tp);

/* The clock's resolution: 0, -EINVAL. */
int evl_get_clock_resolution(int clockfd, struct timespec *tp);

/* Sleeps until the absolute time timeout on the clock: 0, -EINTR (woken by
 * evl_unblock_thread() or a signal), -EINVAL, -EPERM (caller not attached). */
int evl_sleep_until(int clockfd, const struct timespec *timeout);

/* Sleeps usecs microseconds (1 to 1000000) on EVL_CLOCK_MONOTONIC: as
 * evl_sleep_until(), -EINVAL outside that range. */
int evl_usleep(__useconds_t usecs);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_CLOCK_H */
