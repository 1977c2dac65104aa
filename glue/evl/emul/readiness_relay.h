// Telling pollers that a file's poll state changed: evl_poll() waiters, and
// the kernel descriptor's readiness, refreshed at once in-band or by a relay
// thread for out-of-band callers (the emulation's stand-in for the irq_work
// EVL uses to reach the in-band stage).
#ifndef GLUE_EVL_EMUL_READINESS_RELAY_H
#define GLUE_EVL_EMUL_READINESS_RELAY_H

#include "glue/evl/emul/event.h"
#include "glue/evl/emul/file.h"

namespace oskit::evl::emul {

// Tells pollers and the kernel descriptor that file's poll state changed.
void notify(File* file);
// The same from the emulated core's timer interrupt, which leaves the
// descriptor to the relay thread as it would an out-of-band caller: it never
// waits for a lock an in-band thread may hold.
void notify_from_interrupt(File* file);

// Wakes evl_poll() waiters.
const Event& poll_event();

// Starts the relay thread; false if it cannot start. Idempotent.
bool start_readiness_relay();

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_READINESS_RELAY_H
