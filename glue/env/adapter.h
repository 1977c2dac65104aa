// A C++ Environment seen as the oskit_osenv_* interfaces, so that install()
// can hand it to oskit_env_install() (glue/env internal).
#ifndef GLUE_ENV_ADAPTER_H
#define GLUE_ENV_ADAPTER_H

#include "glue/env/env.h"

namespace oskit::env::internal {

// Fills *out with objects forwarding to env (held in a static slot that is
// free again once the installed environment has dropped them). False when
// no slot is free.
bool adapt(Environment* env, oskit_osenv* out) noexcept;

// The C++ environment behind an installed set of objects, or nullptr when
// they are not adapters.
Environment* adapted(const oskit_osenv& installed) noexcept;

}  // namespace oskit::env::internal

#endif  // GLUE_ENV_ADAPTER_H
