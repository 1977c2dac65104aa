// A strict environment for tests (docs/design.md, "Embedding"): installed with
// OSKIT_OSENV_STRICT, it serves memory, clock, threads and interrupts from
// the host's services (oskit_env_host_services) as environment code, keeps
// the log, and runs started threads and interrupt handlers as toolkit code,
// so that host_traps.h counts what they use behind its back. Any use of the
// host's services through glue/env (oskit_env_host, env::host()) is refused
// and counted by glue/env itself (oskit_env_strict_violations).
#ifndef GLUE_ENV_TESTING_STRICT_ENV_H
#define GLUE_ENV_TESTING_STRICT_ENV_H

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "glue/env/osenv.h"

namespace oskit::env::testing {

class StrictEnvironment {
 public:
  StrictEnvironment();
  ~StrictEnvironment();
  StrictEnvironment(const StrictEnvironment&) = delete;
  StrictEnvironment& operator=(const StrictEnvironment&) = delete;

  // The objects to install (flags: OSKIT_OSENV_STRICT).
  oskit_osenv osenv() const;

  long allocations() const;
  long live_allocations() const;
  long threads_started() const;
  long live_threads() const;
  long interrupts_delivered() const;
  std::vector<std::string> log_lines() const;

  struct Services;

 private:
  std::unique_ptr<Services> services_;
};

}  // namespace oskit::env::testing

#endif  // GLUE_ENV_TESTING_STRICT_ENV_H
