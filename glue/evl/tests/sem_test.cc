// EVL semaphores (<evl/sem.h>): counting, timeouts on the semaphore's clock,
// waking on put and on close, static initialisation, names and errors.
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

#include <evl/evl.h>

#include "glue/evl/config.h"
#include "glue/evl/evl_thread.h"
#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class SemTest : public EvlTest {};

// Waits (no deadline) until the count of sem shows a waiter (goes negative);
// returns the count.
int wait_for_waiters(struct evl_sem* sem) {
  int value = 0;
  while (evl_peek_sem(sem, &value) == 0 && value >= 0) usleep(1000);
  return value;
}

TEST_F(SemTest, CountsPutsAndGets) {
  struct evl_sem sem;
  ASSERT_GE(evl_create_sem(&sem, EVL_CLOCK_MONOTONIC, 2, EVL_CLONE_PRIVATE, nullptr), 0);
  int value = -1;
  EXPECT_EQ(evl_peek_sem(&sem, &value), 0);
  EXPECT_EQ(value, 2);
  EXPECT_EQ(evl_tryget_sem(&sem), 0);
  EXPECT_EQ(evl_tryget_sem(&sem), 0);
  EXPECT_EQ(evl_tryget_sem(&sem), -EAGAIN);
  EXPECT_EQ(evl_put_sem(&sem), 0);  // any thread may put
  EXPECT_EQ(evl_peek_sem(&sem, &value), 0);
  EXPECT_EQ(value, 1);
  run_on_evl_thread("sem-get", [&] { EXPECT_EQ(evl_get_sem(&sem), 0); });
  EXPECT_EQ(evl_close_sem(&sem), 0);
}

TEST_F(SemTest, GetNeedsAnEvlThread) {
  struct evl_sem sem;
  ASSERT_GE(evl_new_sem(&sem, nullptr), 0);
  EXPECT_EQ(evl_get_sem(&sem), -EPERM);
  EXPECT_EQ(evl_close_sem(&sem), 0);
}

TEST_F(SemTest, TimedGetTimesOutOnItsClock) {
  for (int clockfd : {EVL_CLOCK_MONOTONIC, EVL_CLOCK_REALTIME}) {
    struct evl_sem sem;
    ASSERT_GE(evl_create_sem(&sem, clockfd, 0, 0, nullptr), 0);
    run_on_evl_thread("sem-timeout", [&] {
      const clockid_t clock = clockfd == EVL_CLOCK_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_REALTIME;
      const struct timespec deadline = time_after(clock, std::chrono::milliseconds(20));
      EXPECT_EQ(evl_timedget_sem(&sem, &deadline), -ETIMEDOUT);
      struct timespec now;
      clock_gettime(clock, &now);
      EXPECT_TRUE(now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec));
      const struct timespec bad = {0, 1000000000};
      EXPECT_EQ(evl_timedget_sem(&sem, &bad), -EINVAL);
    });
    int value = -1;
    EXPECT_EQ(evl_peek_sem(&sem, &value), 0);
    EXPECT_EQ(value, 0) << "a timed-out waiter gives its place back";
    EXPECT_EQ(evl_close_sem(&sem), 0);
  }
}

TEST_F(SemTest, PutWakesAWaiter) {
  struct evl_sem sem;
  ASSERT_GE(evl_new_sem(&sem, nullptr), 0);
  std::atomic<int> got{1};
  auto waiter = start_evl_thread(unique_name("sem-waiter"), [&] { got = evl_get_sem(&sem); });
  ASSERT_TRUE(waiter.ok());
  EXPECT_EQ(wait_for_waiters(&sem), -1) << "the count shows one waiter";
  EXPECT_EQ(evl_put_sem(&sem), 0);
  (*waiter)->join();
  EXPECT_EQ(got, 0);
  EXPECT_EQ(evl_close_sem(&sem), 0);
}

// On the real core, a put that wakes a thread of higher priority than the
// putter's runs that thread first, until it blocks again; the emulation's
// putter yields to it (docs/evl-fidelity.md, "Scheduling").
TEST_F(SemTest, APutRunsTheHigherPriorityThreadItWokeFirst) {
  struct evl_sem sem;
  ASSERT_GE(evl_new_sem(&sem, nullptr), 0);
  std::atomic<int> rounds{0};
  auto waiter = start_evl_thread(unique_name("sem-high"), [&] {
    struct evl_sched_attrs attrs = {};
    attrs.sched_policy = SCHED_FIFO;
    attrs.sched_priority = 10;
    if (evl_set_schedattr(evl_get_self(), &attrs) != 0) return;
    while (evl_get_sem(&sem) == 0) ++rounds;  // blocks again after each round
  });
  ASSERT_TRUE(waiter.ok());
  run_on_evl_thread("sem-low", [&] {
    for (int round = 1; round <= 3; round++) {
      wait_for_waiters(&sem);
      ASSERT_EQ(evl_put_sem(&sem), 0);
      EXPECT_EQ(rounds.load(), round) << "the woken thread ran before the put returned";
    }
  });
  EXPECT_EQ(evl_close_sem(&sem), 0);  // the waiter's last get ends with EIDRM
  (*waiter)->join();
}

TEST_F(SemTest, ClosingWakesWaitersWithEidrm) {
  struct evl_sem sem;
  ASSERT_GE(evl_new_sem(&sem, nullptr), 0);
  std::atomic<int> got{1};
  auto waiter = start_evl_thread(unique_name("sem-closed"), [&] { got = evl_get_sem(&sem); });
  ASSERT_TRUE(waiter.ok());
  wait_for_waiters(&sem);
  EXPECT_EQ(evl_close_sem(&sem), 0);
  (*waiter)->join();
  EXPECT_EQ(got, -EIDRM);
  EXPECT_EQ(evl_put_sem(&sem), -EBADF);
  EXPECT_EQ(evl_tryget_sem(&sem), -EBADF);
  EXPECT_EQ(evl_close_sem(&sem), -EBADF);
}

TEST_F(SemTest, StaticInitialiserCreatesOnFirstUse) {
  struct evl_sem sem = EVL_SEM_INITIALIZER(nullptr, EVL_CLOCK_MONOTONIC, 1, EVL_CLONE_PRIVATE);
  EXPECT_EQ(evl_close_sem(&sem), 0);  // never created: nothing to close
  EXPECT_EQ(evl_tryget_sem(&sem), 0);
  EXPECT_EQ(evl_tryget_sem(&sem), -EAGAIN);
  EXPECT_EQ(evl_close_sem(&sem), 0);
}

TEST_F(SemTest, BadArgumentsAreRefused) {
  struct evl_sem sem;
  EXPECT_EQ(evl_create_sem(&sem, 42, 0, 0, nullptr), -EINVAL);
  EXPECT_EQ(evl_create_sem(&sem, EVL_CLOCK_MONOTONIC, 0, EVL_CLONE_INPUT, nullptr), -EINVAL);
  EXPECT_EQ(evl_create_sem(&sem, EVL_CLOCK_MONOTONIC, 0, 0, "bad/name"), -EINVAL);
  EXPECT_EQ(evl_create_sem(&sem, EVL_CLOCK_MONOTONIC, 0, EVL_CLONE_PUBLIC, nullptr), -EINVAL);
  struct evl_sem garbage;
  garbage.magic = 0x12345678;
  EXPECT_EQ(evl_put_sem(&garbage), -EINVAL);
  struct evl_flags flags;
  ASSERT_GE(evl_new_flags(&flags, nullptr), 0);
  struct evl_sem* not_a_sem = reinterpret_cast<struct evl_sem*>(&flags);
  EXPECT_EQ(evl_put_sem(not_a_sem), -EINVAL);
  EXPECT_EQ(evl_close_flags(&flags), 0);
}

TEST_F(SemTest, NamesAreUniqueAndPublicOnesOpen) {
  const std::string name = unique_name("sem");
  struct evl_sem sem, again, opened;
  const int fd = evl_new_sem(&sem, "/%s", name.c_str());
  ASSERT_GE(fd, 0);
  EXPECT_EQ(evl_new_sem(&again, "%s", name.c_str()), -EEXIST);
  EXPECT_EQ(access((std::string(oskit_evl_root()) + "/monitor/" + name).c_str(), F_OK), 0);
  ASSERT_GE(evl_open_sem(&opened, "%s", name.c_str()), 0);
  EXPECT_EQ(evl_put_sem(&opened), 0);
  EXPECT_EQ(evl_tryget_sem(&sem), 0);
  EXPECT_EQ(evl_open_sem(&opened, "no-such-%s", name.c_str()), -ENOENT);
  struct evl_flags flags;
  const std::string flags_name = unique_name("flags");
  ASSERT_GE(evl_new_flags(&flags, "/%s", flags_name.c_str()), 0);
  EXPECT_EQ(evl_open_sem(&again, "%s", flags_name.c_str()), -EINVAL);
  EXPECT_EQ(evl_close_flags(&flags), 0);
  EXPECT_EQ(evl_close_sem(&opened), 0);
  EXPECT_EQ(evl_close_sem(&sem), 0);
  EXPECT_NE(access((std::string(oskit_evl_root()) + "/monitor/" + name).c_str(), F_OK), 0);
}

TEST_F(SemTest, PollReportsAPositiveCount) {
  struct evl_sem sem;
  const int fd = evl_new_sem(&sem, nullptr);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(kernel_revents(fd, POLLIN), 0);
  EXPECT_EQ(evl_put_sem(&sem), 0);
  EXPECT_EQ(kernel_revents(fd, POLLIN) & POLLIN, POLLIN);
  run_on_evl_thread("sem-poll", [&] { EXPECT_EQ(evl_wait_for(fd, POLLIN) & POLLIN, POLLIN); });
  EXPECT_EQ(evl_tryget_sem(&sem), 0);
  EXPECT_EQ(kernel_revents(fd, POLLIN), 0);
  EXPECT_EQ(evl_close_sem(&sem), 0);
}

}  // namespace
}  // namespace oskit::evl::testing
