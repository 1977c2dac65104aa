#include "glue/env/testing/toolkit_run.h"

#include "glue/env/osenv.h"
#include "gtest/gtest.h"
#include "oskit/com/heap.h"

namespace oskit::env::testing {
namespace detail {

bool begin_toolkit_run(const StrictEnvironment& strict) {
  const oskit_osenv env = strict.osenv();
  if (oskit_env_install(&env) != 0) return false;
  reset_host_uses();
  return true;
}

void end_toolkit_run(ToolkitRun* run) {
  run->host_uses = host_uses();
  run->refused = oskit_env_strict_violations();
  const char* last = oskit_env_strict_last();
  run->last_refused = last != nullptr ? last : "";
  run->installed = oskit_env_install(nullptr) == 0;
  run->host_use_report = host_use_report();
}

}  // namespace detail

void expect_everything_from_the_environment(const ToolkitRun& run, const StrictEnvironment& strict, long min_threads,
                                            const char* threads_meaning) {
  std::string report;
  for (const std::string& line : run.host_use_report) report += "\n  " + line;
  EXPECT_EQ(run.host_uses, 0u) << "host services used behind the environment's back:" << report;
  EXPECT_EQ(run.refused, 0u) << "refused uses of the host's services through glue/env, the last: " << run.last_refused;
  EXPECT_GT(strict.allocations(), 0);
  EXPECT_EQ(strict.live_allocations(), 0) << "memory not given back";
  EXPECT_GE(strict.threads_started(), min_threads) << threads_meaning;
  EXPECT_EQ(strict.live_threads(), 0) << "threads not joined";
  EXPECT_EQ(oskit_live_objects(), 0);
}

}  // namespace oskit::env::testing
