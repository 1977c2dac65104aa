#include "glue/env/env.h"

#include <atomic>

#include "glue/env/counting_env.h"
#include "gtest/gtest.h"
#include "oskit/com/implements.h"
#include "oskit/com/listener.h"

namespace oskit::env {
namespace {

class Quiet : public Implements<Quiet, oskit_listener> {
 public:
  OSKIT_COMDECL notify(oskit_iunknown*) noexcept override { return 0; }

 protected:
  Quiet() = default;
  ~Quiet() override = default;
};

TEST(Environment, HostIsTheDefault) {
  EXPECT_EQ(&current(), &host());
  const std::int64_t t0 = current().monotonic_ns();
  EXPECT_GE(current().monotonic_ns(), t0);
}

TEST(Environment, AHarnessSeesEveryAllocationAndThread) {
  CountingEnvironment counting;
  {
    ScopedEnvironment scope(&counting);
    ASSERT_TRUE(scope.status().ok()) << scope.status();
    EXPECT_EQ(&current(), &counting);
    {
      ComPtr<Quiet> q = make<Quiet>();
      ASSERT_TRUE(q);
      EXPECT_EQ(counting.allocations(), 1);
      EXPECT_EQ(live_objects(), 1);
    }
    EXPECT_EQ(counting.live_allocations(), 0);
    EXPECT_EQ(live_objects(), 0);
    std::atomic<int> ran{0};
    auto worker = current().start_thread("probe", [&ran] { ran++; });
    ASSERT_TRUE(worker.ok());
    (*worker)->join();
    EXPECT_EQ(ran, 1);
    EXPECT_EQ(counting.threads_started(), 1);
    logf(LogLevel::kInfo, "%d objects", 0);
    ASSERT_EQ(counting.log_lines().size(), 1u);
    EXPECT_EQ(counting.log_lines()[0], "0 objects");
  }
  EXPECT_EQ(&current(), &host());
}

TEST(Environment, CannotChangeWhileObjectsAreAlive) {
  ComPtr<Quiet> b = make<Quiet>();
  CountingEnvironment counting;
  absl::Status s = install(&counting);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(&current(), &host());
  b.reset();
  EXPECT_TRUE(install(&counting).ok());
  EXPECT_TRUE(install(nullptr).ok());
}

}  // namespace
}  // namespace oskit::env
