#include "glue/evl/emul/sleep.h"

#include "glue/env/osenv.h"

namespace oskit::evl::emul {

void sleep_ns(long ns) { oskit_env_sleep_until(oskit_env_deadline_after(ns)); }

}  // namespace oskit::evl::emul
