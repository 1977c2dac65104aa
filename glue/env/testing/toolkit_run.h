// Runs code as toolkit code under a strict environment (docs/design.md,
// "Embedding") and says what it took from the host: uses behind the
// environment's back (host_traps.h) and uses of the host's services through
// glue/env, which the strict environment refuses.
#ifndef GLUE_ENV_TESTING_TOOLKIT_RUN_H
#define GLUE_ENV_TESTING_TOOLKIT_RUN_H

#include <string>
#include <vector>

#include "glue/env/testing/host_traps.h"
#include "glue/env/testing/strict_env.h"

namespace oskit::env::testing {

struct ToolkitRun {
  bool installed = false;  // the environment went in and came out again
  unsigned long host_uses = 0;
  std::vector<std::string> host_use_report;  // host_use_report()
  unsigned long refused = 0;                 // oskit_env_strict_violations()
  std::string last_refused;                  // oskit_env_strict_last(), or ""
};

namespace detail {
// Installs strict and resets the traps' count; false if it could not.
bool begin_toolkit_run(const StrictEnvironment& strict);
// Reads the counts into *run and removes the environment.
void end_toolkit_run(ToolkitRun* run);
}  // namespace detail

// Installs strict, runs code() inside a ToolkitScope and removes strict again.
template <class Code>
ToolkitRun run_as_toolkit(const StrictEnvironment& strict, Code&& code) {
  ToolkitRun run;
  if (!detail::begin_toolkit_run(strict)) return run;
  {
    ToolkitScope toolkit;
    code();
  }
  detail::end_toolkit_run(&run);
  return run;
}

// gtest expectations on a run: nothing used behind the environment's back or
// refused, some memory taken and all of it given back, at least min_threads
// threads started (threads_meaning says which) and all joined, no COM object
// left alive.
void expect_everything_from_the_environment(const ToolkitRun& run, const StrictEnvironment& strict, long min_threads,
                                            const char* threads_meaning);

}  // namespace oskit::env::testing

#endif  // GLUE_ENV_TESTING_TOOLKIT_RUN_H
