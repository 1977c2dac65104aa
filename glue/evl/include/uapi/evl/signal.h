/* SIGDEBUG, the signal the EVL core raises on a health-monitoring event such
 * as a stage switch (libevl's <uapi/evl/signal.h>). The cause is one of the
 * EVL_HMDIAG_* codes of <uapi/evl/thread.h>. */
#ifndef _EVL_UAPI_SIGNAL_H
#define _EVL_UAPI_SIGNAL_H

#include <signal.h>

#ifndef SIGDEBUG
#define SIGDEBUG SIGXCPU
#endif
#define sigdebug_code(__si) ((__si)->si_value.sival_int)
#define sigdebug_cause(__si) (sigdebug_code(__si) & 0xff)
#define sigdebug_marker 0xfccf0000
#define sigdebug_marked(__si) ((sigdebug_code(__si) & 0xffff0000) == sigdebug_marker)

#endif /* !_EVL_UAPI_SIGNAL_H */
