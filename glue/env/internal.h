// What glue/env's files share (not part of its API).
#ifndef GLUE_ENV_INTERNAL_H
#define GLUE_ENV_INTERNAL_H

#include "oskit/osenv.h"

namespace oskit::env::internal {

// Counts a use of a refused service (named by a static string).
void note_violation(const char* service) noexcept;

// True, after counting the use, when the host's services must refuse: a
// strict environment is installed.
bool host_refuses(const char* service) noexcept;

// Adds or drops a reference to each member of env.
inline void addref_all(const oskit_osenv& env) noexcept {
  env.mem->addref();
  env.log->addref();
  env.clock->addref();
  env.threads->addref();
  env.irq->addref();
}

inline void release_all(const oskit_osenv& env) noexcept {
  env.mem->release();
  env.log->release();
  env.clock->release();
  env.threads->release();
  env.irq->release();
}

// The host's service objects (host.cc): those that refuse under a strict
// environment, and those that serve whatever is installed.
void host_services(oskit_osenv* out) noexcept;
void unguarded_host_services(oskit_osenv* out) noexcept;

}  // namespace oskit::env::internal

#endif  // GLUE_ENV_INTERNAL_H
