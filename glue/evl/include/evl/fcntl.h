/* The open flag asking for out-of-band capabilities (libevl <evl/fcntl.h>).
 * The value is the EVL core's. */
#ifndef _EVL_FCNTL_H
#define _EVL_FCNTL_H

#include <fcntl.h>

#define O_OOB 010000000000 /* request out-of-band capabilities */

#endif /* _EVL_FCNTL_H */
