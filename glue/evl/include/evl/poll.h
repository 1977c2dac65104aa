/* Polling sets (libevl <evl/poll.h>; the EVL documentation's "Polling file
 * descriptors" page). Calls return a non-negative value on success, a
 * negated errno on failure; like every out-of-band call, from EVL threads
 * only (-EPERM otherwise). Events reported for a proxy follow the "File
 * proxy" page, "Events pollable from a proxy file descriptor"; for a driver,
 * the driver's poll operation. */
#ifndef _EVL_POLL_H
#define _EVL_POLL_H

#include <linux/types.h>
#include <poll.h>
#include <sys/types.h>
#include <time.h>
#include <uapi/evl/poll.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Declared at file scope so that strict C99, whose <time.h> lacks it, still
 * sees one struct timespec in the prototypes below. */
struct timespec;

/* Creates a polling set; returns its descriptor, -ENXIO (core stopped),
 * -EMFILE, -ENFILE, -ENOMEM. */
int evl_new_poll(void);

/* Watches newfd for events; pollval comes back with each event reported for
 * it. 0, -EBADF (efd not a polling set, newfd not an EVL file), -EEXIST
 * (already watched), -ELOOP (adding a polling set would make a cycle),
 * -EPERM, -ENOMEM. */
int evl_add_pollfd(int efd, int newfd, unsigned int events, union evl_value pollval);

/* Stops watching delfd. 0, -EBADF, -ENOENT (not watched), -EPERM. */
int evl_del_pollfd(int efd, int delfd);

/* Changes the events and value for modfd. 0, -EBADF, -ENOENT, -EPERM. */
int evl_mod_pollfd(int efd, int modfd, unsigned int events, union evl_value pollval);

/* Waits until an event or the absolute CLOCK_MONOTONIC timeout (all-zero: no
 * timeout). Returns the number of entries filled in pollset, -ETIMEDOUT,
 * -EBADF, -EINVAL (nrset < 1), -EPERM. A watched descriptor closed meanwhile
 * is reported once with POLLNVAL, then forgotten. */
int evl_timedpoll(int efd, struct evl_poll_event *pollset, int nrset, const struct timespec *timeout);

/* evl_timedpoll() without a timeout. */
int evl_poll(int efd, struct evl_poll_event *pollset, int nrset);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_POLL_H */
