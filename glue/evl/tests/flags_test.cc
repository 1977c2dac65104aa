// EVL flag groups (<evl/flags.h>): posting ORs bits in, a waiter takes them
// all, poll tells a group with bits (POLLIN) from a clear one (POLLOUT).
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

#include <evl/evl.h>

#include "glue/evl/evl_thread.h"
#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class FlagsTest : public EvlTest {};

TEST_F(FlagsTest, PostedBitsAreTakenTogether) {
  struct evl_flags flg;
  ASSERT_GE(evl_create_flags(&flg, EVL_CLOCK_MONOTONIC, 0x10, 0, nullptr), 0);
  int bits = 0;
  EXPECT_EQ(evl_peek_flags(&flg, &bits), 0);
  EXPECT_EQ(bits, 0x10);
  EXPECT_EQ(evl_post_flags(&flg, 0x3), 0);
  EXPECT_EQ(evl_peek_flags(&flg, &bits), 0);
  EXPECT_EQ(bits, 0x13);
  EXPECT_EQ(evl_trywait_flags(&flg, &bits), 0);
  EXPECT_EQ(bits, 0x13);
  EXPECT_EQ(evl_trywait_flags(&flg, &bits), -EAGAIN);
  EXPECT_EQ(evl_post_flags(&flg, 0), -EINVAL);
  EXPECT_EQ(evl_wait_flags(&flg, &bits), -EPERM);  // not an EVL thread
  EXPECT_EQ(evl_close_flags(&flg), 0);
  EXPECT_EQ(evl_post_flags(&flg, 1), -EBADF);
}

TEST_F(FlagsTest, AWaiterGetsWhatIsPosted) {
  struct evl_flags flg;
  ASSERT_GE(evl_new_flags(&flg, nullptr), 0);
  std::atomic<int> got{0};
  std::atomic<int> self{-1};
  auto waiter = start_evl_thread(unique_name("flags-waiter"), [&] {
    int bits = 0;
    self = evl_get_self();
    EXPECT_EQ(evl_wait_flags(&flg, &bits), 0);
    got = bits;
  });
  ASSERT_TRUE(waiter.ok());
  while (self < 0) usleep(1000);
  wait_until_blocked(self);
  EXPECT_EQ(evl_post_flags(&flg, 0x80000000), 0);
  (*waiter)->join();
  EXPECT_EQ(got, static_cast<int>(0x80000000));
  int bits = -1;
  EXPECT_EQ(evl_peek_flags(&flg, &bits), 0);
  EXPECT_EQ(bits, 0);
  EXPECT_EQ(evl_close_flags(&flg), 0);
}

TEST_F(FlagsTest, AWaiterFindingTheBitsTakenWaitsAgain) {
  struct evl_flags flg;
  ASSERT_GE(evl_new_flags(&flg, nullptr), 0);
  std::atomic<int> got{0};
  std::atomic<int> self{-1};
  auto waiter = start_evl_thread(unique_name("flags-again"), [&] {
    int bits = 0;
    self = evl_get_self();
    EXPECT_EQ(evl_wait_flags(&flg, &bits), 0);
    got = bits;
  });
  ASSERT_TRUE(waiter.ok());
  while (self < 0) usleep(1000);
  wait_until_blocked(self);
  // The posted bits stay in the group until the woken waiter takes them:
  // whoever comes first gets them, the other one does not.
  EXPECT_EQ(evl_post_flags(&flg, 0x1), 0);
  int bits = 0;
  const bool taken_here = evl_trywait_flags(&flg, &bits) == 0;
  if (taken_here) {
    EXPECT_EQ(bits, 0x1);
    wait_until_blocked(self);
    EXPECT_EQ(evl_post_flags(&flg, 0x2), 0);
  }
  (*waiter)->join();
  EXPECT_EQ(got, taken_here ? 0x2 : 0x1);
  EXPECT_EQ(evl_peek_flags(&flg, &bits), 0);
  EXPECT_EQ(bits, 0);
  EXPECT_EQ(evl_close_flags(&flg), 0);
}

TEST_F(FlagsTest, TimedWaitTimesOut) {
  struct evl_flags flg;
  ASSERT_GE(evl_new_flags(&flg, nullptr), 0);
  run_on_evl_thread("flags-timeout", [&] {
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 10000000;
    if (deadline.tv_nsec >= 1000000000) {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000;
    }
    int bits = 0;
    EXPECT_EQ(evl_timedwait_flags(&flg, &deadline, &bits), -ETIMEDOUT);
  });
  EXPECT_EQ(evl_close_flags(&flg), 0);
}

TEST_F(FlagsTest, PollTellsSetFromClear) {
  struct evl_flags flg;
  const int fd = evl_new_flags(&flg, nullptr);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(kernel_revents(fd, POLLIN | POLLOUT), POLLOUT);
  run_on_evl_thread("flags-poll", [&] {
    EXPECT_EQ(evl_wait_for(fd, POLLOUT) & (POLLIN | POLLOUT), POLLOUT);
    EXPECT_EQ(evl_post_flags(&flg, 4), 0);
    EXPECT_EQ(evl_wait_for(fd, POLLIN) & (POLLIN | POLLOUT), POLLIN);
  });
  EXPECT_EQ(kernel_revents(fd, POLLIN | POLLOUT), POLLIN);
  int bits = 0;
  EXPECT_EQ(evl_trywait_flags(&flg, &bits), 0);
  EXPECT_EQ(kernel_revents(fd, POLLIN | POLLOUT), POLLOUT);
  EXPECT_EQ(evl_close_flags(&flg), 0);
}

TEST_F(FlagsTest, ClosingWakesWaitersWithEidrm) {
  struct evl_flags flg;
  ASSERT_GE(evl_new_flags(&flg, nullptr), 0);
  std::atomic<int> got{1};
  std::atomic<int> self{-1};
  auto waiter = start_evl_thread(unique_name("flags-closed"), [&] {
    int bits;
    self = evl_get_self();
    got = evl_wait_flags(&flg, &bits);
  });
  ASSERT_TRUE(waiter.ok());
  while (self < 0) usleep(1000);
  wait_until_blocked(self);
  EXPECT_EQ(evl_close_flags(&flg), 0);
  (*waiter)->join();
  EXPECT_EQ(got, -EIDRM);
}

}  // namespace
}  // namespace oskit::evl::testing
