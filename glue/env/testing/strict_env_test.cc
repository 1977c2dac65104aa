// The oskit_osenv_* conformance suites over the strict environment's objects,
// and the traps seeing what toolkit code takes from the host.
#include "glue/env/testing/strict_env.h"

#include <time.h>

#include <thread>

#include "glue/env/testing/host_traps.h"
#include "gtest/gtest.h"
#include "oskit/testing/osenv_clock_conformance.h"
#include "oskit/testing/osenv_irq_conformance.h"
#include "oskit/testing/osenv_log_conformance.h"
#include "oskit/testing/osenv_mem_conformance.h"
#include "oskit/testing/osenv_objects.h"
#include "oskit/testing/osenv_threads_conformance.h"

namespace oskit::testing {
namespace {

struct Strict : OsenvObjects {
  Strict() { env = strict.osenv(); }
  bool last_message(std::string* out) { return last_log_line(strict.log_lines(), out); }
  env::testing::StrictEnvironment strict;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Strict, OsenvMemConformance, ::testing::Types<Strict>);
INSTANTIATE_TYPED_TEST_SUITE_P(Strict, OsenvLogConformance, ::testing::Types<Strict>);
INSTANTIATE_TYPED_TEST_SUITE_P(Strict, OsenvClockConformance, ::testing::Types<Strict>);
INSTANTIATE_TYPED_TEST_SUITE_P(Strict, OsenvThreadsConformance, ::testing::Types<Strict>);
INSTANTIATE_TYPED_TEST_SUITE_P(Strict, OsenvIrqConformance, ::testing::Types<Strict>);

using env::testing::EnvScope;
using env::testing::host_uses;
using env::testing::reset_host_uses;
using env::testing::ToolkitScope;

TEST(HostTraps, ThreadsClocksAndSleepsOfToolkitCodeAreCounted) {
  reset_host_uses();
  {
    ToolkitScope toolkit;
    std::thread t([] {});
    t.join();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const struct timespec nap = {0, 1000};
    nanosleep(&nap, nullptr);
  }
  EXPECT_GE(host_uses(), 3u) << "std::thread (and its state), clock_gettime, nanosleep";
}

TEST(HostTraps, TheEnvironmentsOwnCodeAndOtherCodeAreNotCounted) {
  reset_host_uses();
  {
    ToolkitScope toolkit;
    EnvScope env;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
  }
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  EXPECT_EQ(host_uses(), 0u);
}

}  // namespace
}  // namespace oskit::testing
