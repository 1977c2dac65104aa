// The emulated core's control state (glue/evl/config.h), as libevl's `evl`
// utility stops and starts a real core: elements need no evl_init() nor an
// attached thread, and creating one fails with ENXIO only while the core is
// stopped. A program of its own: nothing may initialise the library first.
#include <errno.h>
#include <unistd.h>

#include <thread>

#include <evl/evl.h>
#include <evl/observable.h>
#include <evl/timer.h>

#include "glue/evl/config.h"
#include "gtest/gtest.h"
#include "oskit/testing/temp_dir.h"

namespace {

// Creates one element of each kind the core builds without libevl's own
// state; returns the first error, 0 when all were made (and closed again).
int make_elements() {
  int fds[2];
  if (pipe(fds) != 0) return -errno;
  const int made[] = {
      evl_new_proxy(fds[1], 64, nullptr),
      evl_new_xbuf(64, nullptr),
      evl_new_poll(),
      evl_new_observable(nullptr),
  };
  int rc = 0;
  for (int fd : made) {
    if (fd < 0 && rc == 0) rc = fd;
    if (fd >= 0) close(fd);
  }
  close(fds[0]);
  close(fds[1]);
  return rc;
}

TEST(CoreStateTest, StoppedCoreRefusesNewElements) {
  ASSERT_EQ(oskit_evl_set_root(oskit::testing::temp_path("evl-core").c_str()), 0);
  EXPECT_TRUE(oskit_evl_core_running());
  EXPECT_EQ(make_elements(), 0) << "no evl_init() needed";

  // What libevl builds over state evl_init() sets up still needs it.
  struct evl_sem sem;
  EXPECT_EQ(evl_new_sem(&sem, nullptr), -ENXIO);
  EXPECT_EQ(evl_new_timer(EVL_CLOCK_MONOTONIC), -ENXIO);

  ASSERT_EQ(oskit_evl_core_stop(), 0);
  EXPECT_FALSE(oskit_evl_core_running());
  EXPECT_EQ(oskit_evl_core_stop(), 0) << "stopping a stopped core changes nothing";
  EXPECT_EQ(make_elements(), -ENXIO);
  std::thread([] { EXPECT_EQ(evl_attach_self("stopped"), -ENXIO); }).join();

  ASSERT_EQ(oskit_evl_core_start(), 0);
  EXPECT_EQ(make_elements(), 0);
  ASSERT_EQ(evl_init(), 0);
  ASSERT_GE(evl_new_sem(&sem, nullptr), 0);
  EXPECT_EQ(evl_close_sem(&sem), 0);
}

TEST(CoreStateTest, AttachedThreadsKeepTheCoreRunning) {
  std::thread([] {
    ASSERT_GE(evl_attach_self("keeps-running"), 0);
    EXPECT_EQ(oskit_evl_core_stop(), -EBUSY);
    EXPECT_EQ(evl_detach_self(), 0);
  }).join();
  EXPECT_EQ(oskit_evl_core_stop(), 0);
  EXPECT_EQ(oskit_evl_core_start(), 0);
}

}  // namespace
