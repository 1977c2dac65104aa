// Before evl_init() (and before any thread attaches): as with the EVL core,
// proxies and polling sets are made, devices open; what libevl builds over
// state evl_init() sets up (semaphores and the other monitors, timers) is
// refused with ENXIO; evl_printf() writes to stderr in-band, as libevl does
// without its stdout proxy. A program of its own: nothing may initialise the
// library before the test.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <evl/evl.h>
#include <evl/timer.h>

#include "glue/evl/driver.h"
#include "glue/evl/loopback.h"
#include "gtest/gtest.h"

namespace {

TEST(NoInitTest, ElementsNeedNoInit) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const int proxy = evl_new_proxy(fds[1], 64, "early");
  EXPECT_GE(proxy, 0);
  const int set = evl_new_poll();
  EXPECT_GE(set, 0);
  ASSERT_EQ(oskit_loopback_register("noinit-loopback", 0), 0);
  const int dev = oskit_evl_open("noinit-loopback", O_RDWR);
  EXPECT_GE(dev, 0);
  close(dev);
  EXPECT_EQ(oskit_loopback_unregister("noinit-loopback"), 0);
  struct evl_sem sem;
  EXPECT_EQ(evl_new_sem(&sem, nullptr), -ENXIO);
  struct evl_mutex mutex;
  EXPECT_EQ(evl_new_mutex(&mutex, nullptr), -ENXIO);
  EXPECT_EQ(evl_new_timer(EVL_CLOCK_MONOTONIC), -ENXIO);
  EXPECT_LT(proxy_outfd, 0);
  EXPECT_EQ(evl_printf("%s", ""), 0) << "in-band, to stderr";
  ASSERT_EQ(evl_init(), 0);
  EXPECT_GE(proxy_outfd, 0);
  ASSERT_GE(evl_new_sem(&sem, nullptr), 0);
  EXPECT_EQ(evl_close_sem(&sem), 0);
  close(set);
  close(proxy);
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
