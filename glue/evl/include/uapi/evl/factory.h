/* Element creation flags (libevl's <uapi/evl/factory.h>). The values are the
 * EVL core's, so code built here runs unchanged over libevl. */
#ifndef _EVL_UAPI_FACTORY_H
#define _EVL_UAPI_FACTORY_H

#include <linux/types.h>

#define EVL_CLONE_PUBLIC (1 << 16)         /* a device under /dev/evl/<type>/ */
#define EVL_CLONE_PRIVATE (0 << 16)        /* private to the process (default) */
#define EVL_CLONE_OBSERVABLE (1 << 17)     /* a thread others may observe */
#define EVL_CLONE_NONBLOCK (1 << 18)       /* O_NONBLOCK on the new descriptor */
#define EVL_CLONE_MASTER (1 << 19)         /* observable: one observer per notice */
#define EVL_CLONE_UNICAST EVL_CLONE_MASTER /* the later libevl name */
#define EVL_CLONE_INPUT (1 << 20)          /* proxy: target -> proxy direction */
#define EVL_CLONE_OUTPUT (1 << 21)         /* proxy: proxy -> target direction */

/* What the core answers a creation request with. */
struct evl_element_ids {
  __u32 minor;
  __u32 fundle;
  __u32 state_offset;
};

#endif /* !_EVL_UAPI_FACTORY_H */
