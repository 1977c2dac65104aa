#include "components/oob_device/evl_testing.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <memory>

#include <evl/evl.h>

#include "absl/strings/str_format.h"
#include "glue/evl/config.h"
#include "glue/evl/evl_thread.h"
#include "gtest/gtest.h"

namespace oskit::evl::testing {

void init_evl() {
  static const int rc = [] {
    const char* tmp = getenv("TEST_TMPDIR");
    std::string root = std::string(tmp ? tmp : "/tmp") + "/evl-root";
    oskit_evl_set_root(root.c_str());
    return evl_init();
  }();
  ASSERT_EQ(rc, 0) << "evl_init failed";
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return absl::StrFormat("%s-%d-%d", prefix, getpid(), counter.fetch_add(1));
}

void run_on_evl_thread(const std::string& prefix, std::function<void()> body) {
  auto thread = start_evl_thread(unique_name(prefix), std::move(body));
  ASSERT_TRUE(thread.ok()) << thread.status();
  (*thread)->join();
}

}  // namespace oskit::evl::testing
