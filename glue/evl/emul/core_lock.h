// The emulated core's lock: it serialises the scheduling state of EVL threads,
// wait queues and the elements built on them (monitors, timers, cross-buffers,
// observables), as the EVL core's own lock does. Held briefly, never across a
// sleep.
#ifndef GLUE_EVL_EMUL_CORE_LOCK_H
#define GLUE_EVL_EMUL_CORE_LOCK_H

#include "oskit/sync/mutex.h"

namespace oskit::evl::emul {

extern oskit::Mutex core_lock;

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_CORE_LOCK_H
