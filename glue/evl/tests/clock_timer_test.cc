// EVL clocks and timers (<evl/clock.h>, <evl/timer.h>): reading the built-in
// clocks, sleeping until a deadline (and being woken early), periodic and
// one-shot timers read out-of-band and in-band, polled, and their errors.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>

#include <evl/evl.h>
#include <evl/timer.h>

#include "glue/evl/evl_thread.h"
#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class ClockTimerTest : public EvlTest {};

int64_t ns_of(const struct timespec& t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

TEST_F(ClockTimerTest, ClocksReadAsTheHostsDo) {
  struct timespec evl, host;
  ASSERT_EQ(evl_read_clock(EVL_CLOCK_MONOTONIC, &evl), 0);
  clock_gettime(CLOCK_MONOTONIC, &host);
  EXPECT_LE(ns_of(evl), ns_of(host));
  ASSERT_EQ(evl_read_clock(EVL_CLOCK_REALTIME, &evl), 0);
  EXPECT_GT(evl.tv_sec, 1500000000);
  EXPECT_EQ(evl_get_clock_resolution(EVL_CLOCK_MONOTONIC, &evl), 0);
  EXPECT_EQ(evl_read_clock(7, &evl), -EINVAL);
  EXPECT_EQ(evl_read_clock(EVL_CLOCK_MONOTONIC, nullptr), -EFAULT);
  EXPECT_EQ(evl_get_clock_resolution(7, &evl), -EINVAL);
  EXPECT_EQ(evl_set_clock(7, &evl), -EINVAL);
  ASSERT_EQ(evl_read_clock(EVL_CLOCK_MONOTONIC, &evl), 0);
  EXPECT_EQ(evl_set_clock(EVL_CLOCK_MONOTONIC, &evl), -EINVAL);  // a monotonic clock is not set
}

TEST_F(ClockTimerTest, SleepingNeedsAnEvlThread) {
  const struct timespec soon = time_after(CLOCK_MONOTONIC, std::chrono::microseconds(1));
  EXPECT_EQ(evl_sleep_until(EVL_CLOCK_MONOTONIC, &soon), -EPERM);
  EXPECT_EQ(evl_usleep(10), -EPERM);
}

TEST_F(ClockTimerTest, SleepUntilTheDeadlineOnItsClock) {
  run_on_evl_thread("clock-sleep", [] {
    for (clockid_t clock : {CLOCK_MONOTONIC, CLOCK_REALTIME}) {
      const int clockfd = clock == CLOCK_MONOTONIC ? EVL_CLOCK_MONOTONIC : EVL_CLOCK_REALTIME;
      const struct timespec deadline = time_after(clock, std::chrono::milliseconds(5));
      EXPECT_EQ(evl_sleep_until(clockfd, &deadline), 0);
      struct timespec now;
      clock_gettime(clock, &now);
      EXPECT_GE(ns_of(now), ns_of(deadline));
    }
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    EXPECT_EQ(evl_usleep(2000), 0);
    clock_gettime(CLOCK_MONOTONIC, &after);
    EXPECT_GE(ns_of(after) - ns_of(before), 2000000);
    EXPECT_EQ(evl_usleep(0), -EINVAL);
    EXPECT_EQ(evl_usleep(1000001), -EINVAL);
    const struct timespec bad = {0, 1000000000};
    EXPECT_EQ(evl_sleep_until(EVL_CLOCK_MONOTONIC, &bad), -EINVAL);
    EXPECT_EQ(evl_sleep_until(9, &bad), -EINVAL);
  });
}

TEST_F(ClockTimerTest, UnblockEndsASleepEarly) {
  int sleeper;
  std::atomic<int> got{1};
  auto t = start_blocked_evl_thread(
      "clock-unblock",
      [&] {
        const struct timespec far = time_after(CLOCK_MONOTONIC, std::chrono::hours(1));
        got = evl_sleep_until(EVL_CLOCK_MONOTONIC, &far);
      },
      &sleeper);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(evl_unblock_thread(sleeper), 0);
  t->join();
  EXPECT_EQ(got, -EINTR);
}

TEST_F(ClockTimerTest, PeriodicTimerTicksOncePerPeriod) {
  const int tfd = evl_new_timer(EVL_CLOCK_MONOTONIC);
  ASSERT_GE(tfd, 0);
  struct itimerspec value = {}, old;
  value.it_value = time_after(CLOCK_MONOTONIC, std::chrono::milliseconds(5));
  value.it_interval.tv_nsec = 5000000;
  ASSERT_EQ(evl_set_timer(tfd, &value, &old), 0);
  EXPECT_EQ(old.it_value.tv_sec + old.it_value.tv_nsec, 0) << "was disarmed";
  run_on_evl_thread("timer-periodic", [tfd] {
    uint64_t ticks = 0, total = 0;
    for (int n = 0; n < 10; n++) {
      ASSERT_EQ(oob_read(tfd, &ticks, sizeof ticks), static_cast<ssize_t>(sizeof ticks));
      EXPECT_GE(ticks, 1u);
      total += ticks;
    }
    EXPECT_GE(total, 10u);
  });
  struct itimerspec now;
  ASSERT_EQ(evl_get_timer(tfd, &now), 0);
  EXPECT_EQ(now.it_interval.tv_nsec, 5000000);
  EXPECT_LE(now.it_value.tv_nsec, 5000000);
  uint64_t ticks = 0;
  EXPECT_EQ(read(tfd, &ticks, sizeof ticks), static_cast<ssize_t>(sizeof ticks));  // in-band too
  struct itimerspec off = {};
  ASSERT_EQ(evl_set_timer(tfd, &off, &old), 0);
  EXPECT_EQ(old.it_interval.tv_nsec, 5000000);
  ASSERT_EQ(fcntl(tfd, F_SETFL, O_NONBLOCK), 0);
  read(tfd, &ticks, sizeof ticks);  // whatever expired before disarming
  EXPECT_EQ(read(tfd, &ticks, sizeof ticks), -1);
  EXPECT_EQ(errno, EAGAIN);
  close(tfd);
}

TEST_F(ClockTimerTest, OneShotTimerOnTheRealtimeClockIsPolled) {
  const int tfd = evl_new_timer(EVL_CLOCK_REALTIME);
  ASSERT_GE(tfd, 0);
  struct itimerspec value = {};
  value.it_value = time_after(CLOCK_REALTIME, std::chrono::milliseconds(2));
  ASSERT_EQ(evl_set_timer(tfd, &value, nullptr), 0);
  EXPECT_EQ(kernel_wait_for(tfd, POLLIN) & POLLIN, POLLIN);
  uint64_t ticks = 0;
  ASSERT_EQ(read(tfd, &ticks, sizeof ticks), static_cast<ssize_t>(sizeof ticks));
  EXPECT_EQ(ticks, 1u);
  struct itimerspec left;
  ASSERT_EQ(evl_get_timer(tfd, &left), 0);
  EXPECT_EQ(left.it_value.tv_sec + left.it_value.tv_nsec, 0) << "a one-shot timer disarms";
  EXPECT_EQ(kernel_revents(tfd, POLLIN), 0);
  close(tfd);
}

TEST_F(ClockTimerTest, ClosingWakesAReader) {
  const int tfd = evl_new_timer(EVL_CLOCK_MONOTONIC);
  ASSERT_GE(tfd, 0);
  std::atomic<long> got{1};
  auto t = start_blocked_evl_thread("timer-closed", [&] {
    uint64_t ticks;
    got = oob_read(tfd, &ticks, sizeof ticks) < 0 ? -errno : 0;
  });
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(close(tfd), 0);
  t->join();
  EXPECT_EQ(got, -EBADF);
}

TEST_F(ClockTimerTest, TimerErrors) {
  EXPECT_EQ(evl_new_timer(12), -EINVAL);
  const int tfd = evl_new_timer(EVL_CLOCK_MONOTONIC);
  ASSERT_GE(tfd, 0);
  struct itimerspec bad = {};
  bad.it_value.tv_nsec = 1000000000;
  EXPECT_EQ(evl_set_timer(tfd, &bad, nullptr), -EINVAL);
  EXPECT_EQ(evl_set_timer(tfd, nullptr, nullptr), -EFAULT);
  struct itimerspec value = {};
  EXPECT_EQ(evl_set_timer(0, &value, nullptr), -EBADF);
  EXPECT_EQ(evl_get_timer(0, &value), -EBADF);
  uint32_t small;
  EXPECT_EQ(read(tfd, &small, sizeof small), -1);
  EXPECT_EQ(errno, EINVAL);
  close(tfd);
}

}  // namespace
}  // namespace oskit::evl::testing
