// The pause of the emulation's in-band retry loops.
#ifndef GLUE_EVL_EMUL_SLEEP_H
#define GLUE_EVL_EMUL_SLEEP_H

namespace oskit::evl::emul {

// Sleeps ns nanoseconds on the installed environment's clock (glue/env),
// which a harness may move.
void sleep_ns(long ns);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_SLEEP_H
