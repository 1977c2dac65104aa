/* Element creation flags shared by every EVL element (libevl <evl/factory-abi.h>).
 * Values are the EVL core's, so code built here runs unchanged over libevl. */
#ifndef _EVL_FACTORY_ABI_H
#define _EVL_FACTORY_ABI_H

#define EVL_CLONE_PUBLIC	(1 << 16)	/* visible under the /dev/evl hierarchy */
#define EVL_CLONE_PRIVATE	(0 << 16)	/* private to the process (default) */
#define EVL_CLONE_OBSERVABLE	(1 << 17)	/* not supported by proxies: EINVAL */
#define EVL_CLONE_NONBLOCK	(1 << 18)	/* O_NONBLOCK on the new descriptor */
#define EVL_CLONE_UNICAST	(1 << 19)	/* not supported by proxies: EINVAL */
#define EVL_CLONE_INPUT		(1 << 20)	/* proxy: target -> proxy direction */
#define EVL_CLONE_OUTPUT	(1 << 21)	/* proxy: proxy -> target direction */

#endif /* _EVL_FACTORY_ABI_H */
