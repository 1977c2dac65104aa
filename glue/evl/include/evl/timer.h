/* EVL timers (libevl <evl/timer.h>; the EVL documentation's "Timer" page): a
 * timer is a descriptor which oob_read()/read() of a __u64 return the number
 * of expiries since the last read on, blocking until the next one. Calls
 * return 0 (or a descriptor) or a negated errno. */
#ifndef _EVL_TIMER_H
#define _EVL_TIMER_H

#include <linux/types.h>
#include <time.h>
#include <uapi/evl/clock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a timer on the clock; returns its descriptor, -EINVAL (not a
 * clock), -ENXIO (library not initialised, or the core stopped), -EMFILE,
 * -ENFILE, -ENOMEM. */
int evl_new_timer(int clockfd);

/* Arms (it_value non-zero: absolute time on the timer's clock, then every
 * it_interval) or disarms the timer; the previous setting goes to ovalue when
 * not NULL. 0, -EBADF, -EINVAL (bad timespec), -EFAULT. */
int evl_set_timer(int efd, struct itimerspec *value, struct itimerspec *ovalue);

/* The time left to the next expiry (relative) and the interval. */
int evl_get_timer(int efd, struct itimerspec *value);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_TIMER_H */
