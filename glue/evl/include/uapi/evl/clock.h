/* EVL clocks (libevl's <uapi/evl/clock.h>): the built-in clocks are named by
 * negative identifiers wherever a clock descriptor is expected. */
#ifndef _EVL_UAPI_CLOCK_H
#define _EVL_UAPI_CLOCK_H

#include <time.h>
#include <uapi/evl/types.h>

#define EVL_CLOCK_DEV "clock"
#define EVL_CLOCK_MONOTONIC_DEV "monotonic"
#define EVL_CLOCK_REALTIME_DEV "realtime"

#define EVL_CLOCK_MONOTONIC (-CLOCK_MONOTONIC)
#define EVL_CLOCK_REALTIME (-CLOCK_REALTIME)

#endif /* !_EVL_UAPI_CLOCK_H */
