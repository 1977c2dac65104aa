// EVL flag groups (<evl/flags.h>): posting ORs bits in, a waiter takes them
// all, poll tells a group with bits (POLLIN) from a clear one (POLLOUT).
#include <errno.h>
#include <poll.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <evl/evl.h>

#include "glue/evl/evl_thread.h"
#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class FlagsTest : public EvlTest {
 protected:
  void SetUp() override {
    fd_ = evl_new_flags(&flg_, nullptr);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override { EXPECT_EQ(evl_close_flags(&flg_), 0); }

  // A thread waiting for bits of flg_, which go to *got; blocked on return.
  std::unique_ptr<env::WorkerThread> start_waiter(const std::string& prefix, std::atomic<int>* got,
                                                  int* thread_fd = nullptr) {
    return start_blocked_evl_thread(
        prefix,
        [this, got] {
          int bits = 0;
          EXPECT_EQ(evl_wait_flags(&flg_, &bits), 0);
          *got = bits;
        },
        thread_fd);
  }

  struct evl_flags flg_;
  int fd_ = -1;
};

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
  std::atomic<int> got{0};
  auto waiter = start_waiter("flags-waiter", &got);
  ASSERT_NE(waiter, nullptr);
  EXPECT_EQ(evl_post_flags(&flg_, 0x80000000), 0);
  waiter->join();
  EXPECT_EQ(got, static_cast<int>(0x80000000));
  int bits = -1;
  EXPECT_EQ(evl_peek_flags(&flg_, &bits), 0);
  EXPECT_EQ(bits, 0);
}

TEST_F(FlagsTest, AWaiterFindingTheBitsTakenWaitsAgain) {
  std::atomic<int> got{0};
  int self;
  auto waiter = start_waiter("flags-again", &got, &self);
  ASSERT_NE(waiter, nullptr);
  // The posted bits stay in the group until the woken waiter takes them:
  // whoever comes first gets them, the other one does not.
  EXPECT_EQ(evl_post_flags(&flg_, 0x1), 0);
  int bits = 0;
  const bool taken_here = evl_trywait_flags(&flg_, &bits) == 0;
  if (taken_here) {
    EXPECT_EQ(bits, 0x1);
    wait_until_blocked(self);
    EXPECT_EQ(evl_post_flags(&flg_, 0x2), 0);
  }
  waiter->join();
  EXPECT_EQ(got, taken_here ? 0x2 : 0x1);
  EXPECT_EQ(evl_peek_flags(&flg_, &bits), 0);
  EXPECT_EQ(bits, 0);
}

TEST_F(FlagsTest, TimedWaitTimesOut) {
  run_on_evl_thread("flags-timeout", [&] {
    const struct timespec deadline = time_after(CLOCK_MONOTONIC, std::chrono::milliseconds(10));
    int bits = 0;
    EXPECT_EQ(evl_timedwait_flags(&flg_, &deadline, &bits), -ETIMEDOUT);
  });
}

TEST_F(FlagsTest, PollTellsSetFromClear) {
  EXPECT_EQ(kernel_revents(fd_, POLLIN | POLLOUT), POLLOUT);
  run_on_evl_thread("flags-poll", [&] {
    EXPECT_EQ(evl_wait_for(fd_, POLLOUT) & (POLLIN | POLLOUT), POLLOUT);
    EXPECT_EQ(evl_post_flags(&flg_, 4), 0);
    EXPECT_EQ(evl_wait_for(fd_, POLLIN) & (POLLIN | POLLOUT), POLLIN);
  });
  EXPECT_EQ(kernel_revents(fd_, POLLIN | POLLOUT), POLLIN);
  int bits = 0;
  EXPECT_EQ(evl_trywait_flags(&flg_, &bits), 0);
  EXPECT_EQ(kernel_revents(fd_, POLLIN | POLLOUT), POLLOUT);
}

TEST_F(FlagsTest, ClosingWakesWaitersWithEidrm) {
  struct evl_flags flg;
  ASSERT_GE(evl_new_flags(&flg, nullptr), 0);
  std::atomic<int> got{1};
  auto waiter = start_blocked_evl_thread("flags-closed", [&] {
    int bits;
    got = evl_wait_flags(&flg, &bits);
  });
  ASSERT_NE(waiter, nullptr);
  EXPECT_EQ(evl_close_flags(&flg), 0);
  waiter->join();
  EXPECT_EQ(got, -EIDRM);
}

}  // namespace
}  // namespace oskit::evl::testing
