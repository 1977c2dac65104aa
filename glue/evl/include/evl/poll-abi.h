/* The event record evl_poll() fills (libevl's uapi poll header). */
#ifndef _EVL_POLL_ABI_H
#define _EVL_POLL_ABI_H

#include <linux/types.h>

struct evl_poll_event {
	__u32 fd;
	__u32 events;
};

#endif /* _EVL_POLL_ABI_H */
