/* Polling sets (libevl <evl/poll.h>). Calls return a non-negative value on
 * success, a negated errno on failure. Events reported for a proxy follow the
 * EVL documentation's "Events pollable from a proxy file descriptor"; for a
 * driver, the driver's poll operation. */
#ifndef _EVL_POLL_H
#define _EVL_POLL_H

#include <sys/types.h>
#include <poll.h>
#include <time.h>
#include <evl/poll-abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Declared at file scope so that strict C99, whose <time.h> lacks it, still
 * sees one struct timespec in the prototypes below. */
struct timespec;

/* Creates a polling set; returns its descriptor, -ENXIO before evl_init(),
 * -EMFILE/-ENFILE, -ENOMEM. */
int evl_new_poll(void);

/* Adds newfd, watched for events. 0, -EBADF (efd not a poll set, newfd not an
 * oob-capable descriptor), -EEXIST (already watched), -ELOOP (a poll set). */
int evl_add_pollfd(int efd, int newfd, unsigned int events);

/* Removes delfd. 0, -EBADF, -ENOENT (not watched). */
int evl_del_pollfd(int efd, int delfd);

/* Changes the events watched on modfd. 0, -EBADF, -ENOENT. */
int evl_mod_pollfd(int efd, int modfd, unsigned int events);

/* Waits until an event or the absolute CLOCK_MONOTONIC timeout (NULL or zero:
 * no timeout). Returns the number of entries filled in pollset, -ETIMEDOUT,
 * -EBADF, -EINVAL (nrset < 1). */
int evl_timedpoll(int efd, struct evl_poll_event *pollset, int nrset, const struct timespec *timeout);

/* evl_timedpoll() without a timeout. */
int evl_poll(int efd, struct evl_poll_event *pollset, int nrset);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_POLL_H */
