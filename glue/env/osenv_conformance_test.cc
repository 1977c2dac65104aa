// The oskit_osenv_* conformance suites over the host's objects, and over a
// C++ Environment installed through install() (seen through its adapters).
#include <string>

#include "glue/env/counting_env.h"
#include "glue/env/env.h"
#include "glue/env/osenv.h"
#include "gtest/gtest.h"
#include "oskit/testing/osenv_clock_conformance.h"
#include "oskit/testing/osenv_irq_conformance.h"
#include "oskit/testing/osenv_log_conformance.h"
#include "oskit/testing/osenv_mem_conformance.h"
#include "oskit/testing/osenv_objects.h"
#include "oskit/testing/osenv_threads_conformance.h"

namespace oskit::testing {
namespace {

// The host's objects; a real clock and a delivery thread need no help.
struct Host : OsenvObjects {
  Host() { oskit_env_host(&env); }
};

// A CountingEnvironment over the host's, installed: the objects are the
// adapters install() made for it.
struct Adapted : OsenvObjects {
  Adapted() : scope(&counting) {
    EXPECT_TRUE(scope.status().ok()) << scope.status();
    oskit_env_current(&env);
  }
  bool last_message(std::string* out) { return last_log_line(counting.log_lines(), out); }
  env::CountingEnvironment counting;
  env::ScopedEnvironment scope;
};

using Environments = ::testing::Types<Host, Adapted>;
INSTANTIATE_TYPED_TEST_SUITE_P(Env, OsenvMemConformance, Environments);
INSTANTIATE_TYPED_TEST_SUITE_P(Env, OsenvLogConformance, Environments);
INSTANTIATE_TYPED_TEST_SUITE_P(Env, OsenvClockConformance, Environments);
INSTANTIATE_TYPED_TEST_SUITE_P(Env, OsenvThreadsConformance, Environments);
INSTANTIATE_TYPED_TEST_SUITE_P(Env, OsenvIrqConformance, Environments);

}  // namespace
}  // namespace oskit::testing
