// EVL mutexes (<evl/mutex.h>): ownership, recursion, timeouts, priority
// inheritance and protection as evl_get_state() reports them, deadlock
// detection along the chain of owners, and the errors of each call.
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>

#include <evl/evl.h>

#include "glue/evl/evl_thread.h"
#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class MutexTest : public EvlTest {};

// Attributes of the calling EVL thread.
void set_self(int policy, int prio) {
  struct evl_sched_attrs attrs = {};
  attrs.sched_policy = policy;
  attrs.sched_priority = prio;
  ASSERT_EQ(evl_set_schedattr(evl_get_self(), &attrs), 0);
}

// The effective policy and priority of a thread.
std::pair<int, int> effective(int thread_fd) {
  struct evl_thread_state state;
  EXPECT_EQ(evl_get_state(thread_fd, &state), 0);
  return {state.eattrs.sched_policy, state.eattrs.sched_priority};
}

TEST_F(MutexTest, LockUnlockAndErrors) {
  struct evl_mutex m;
  ASSERT_GE(evl_new_mutex(&m, nullptr), 0);
  EXPECT_EQ(evl_lock_mutex(&m), -EPERM);  // not an EVL thread
  EXPECT_EQ(evl_get_mutex_ceiling(&m), 0);
  EXPECT_EQ(evl_set_mutex_ceiling(&m, 10), -EINVAL);  // not priority-protected
  run_on_evl_thread("mutex-basic", [&] {
    EXPECT_EQ(evl_unlock_mutex(&m), -EPERM);
    EXPECT_EQ(evl_lock_mutex(&m), 0);
    EXPECT_EQ(evl_lock_mutex(&m), -EDEADLK);
    EXPECT_EQ(evl_trylock_mutex(&m), -EDEADLK);
    run_on_evl_thread("mutex-other", [&] {
      EXPECT_EQ(evl_trylock_mutex(&m), -EBUSY);
      const struct timespec soon = time_after(CLOCK_MONOTONIC, std::chrono::milliseconds(10));
      EXPECT_EQ(evl_timedlock_mutex(&m, &soon), -ETIMEDOUT);
      EXPECT_EQ(evl_unlock_mutex(&m), -EPERM);
      const struct timespec bad = {-1, 0};
      EXPECT_EQ(evl_timedlock_mutex(&m, &bad), -EINVAL);
    });
    EXPECT_EQ(evl_unlock_mutex(&m), 0);
    EXPECT_EQ(evl_trylock_mutex(&m), 0);
    EXPECT_EQ(evl_unlock_mutex(&m), 0);
  });
  EXPECT_EQ(evl_close_mutex(&m), 0);
  EXPECT_EQ(evl_unlock_mutex(&m), -EBADF);
}

TEST_F(MutexTest, RecursiveMutexCountsNesting) {
  struct evl_mutex m;
  ASSERT_GE(evl_create_mutex(&m, EVL_CLOCK_MONOTONIC, 0, EVL_MUTEX_RECURSIVE, nullptr), 0);
  run_on_evl_thread("mutex-recursive", [&] {
    EXPECT_EQ(evl_lock_mutex(&m), 0);
    EXPECT_EQ(evl_lock_mutex(&m), 0);
    EXPECT_EQ(evl_trylock_mutex(&m), 0);
    EXPECT_EQ(m.u.active.state->u.gate.nesting, 3u);
    EXPECT_EQ(evl_unlock_mutex(&m), 0);
    EXPECT_EQ(evl_unlock_mutex(&m), 0);
    run_on_evl_thread("mutex-recursive-other", [&] { EXPECT_EQ(evl_trylock_mutex(&m), -EBUSY); });
    EXPECT_EQ(evl_unlock_mutex(&m), 0);
    run_on_evl_thread("mutex-recursive-free", [&] {
      EXPECT_EQ(evl_trylock_mutex(&m), 0);
      EXPECT_EQ(evl_unlock_mutex(&m), 0);
    });
  });
  EXPECT_EQ(evl_close_mutex(&m), 0);
}

TEST_F(MutexTest, OwnerInheritsAWaitersPriority) {
  struct evl_mutex m;
  ASSERT_GE(evl_new_mutex(&m, nullptr), 0);
  run_on_evl_thread("mutex-pi-owner", [&] {
    set_self(SCHED_FIFO, 1);
    const int self = evl_get_self();
    EXPECT_EQ(evl_lock_mutex(&m), 0);
    auto waiter = start_blocked_evl_thread("mutex-pi-waiter", [&] {
      set_self(SCHED_FIFO, 3);
      EXPECT_EQ(evl_lock_mutex(&m), 0);
      EXPECT_EQ(evl_unlock_mutex(&m), 0);
    });
    ASSERT_NE(waiter, nullptr);
    EXPECT_EQ(effective(self), std::make_pair(SCHED_FIFO, 3));
    struct evl_thread_state state;
    ASSERT_EQ(evl_get_state(self, &state), 0);
    EXPECT_TRUE(state.state & T_BOOST);
    EXPECT_EQ(evl_unlock_mutex(&m), 0);
    EXPECT_EQ(effective(self), std::make_pair(SCHED_FIFO, 1));
    waiter->join();
  });
  EXPECT_EQ(evl_close_mutex(&m), 0);
}

TEST_F(MutexTest, TimedOutWaiterTakesItsBoostBack) {
  struct evl_mutex m;
  ASSERT_GE(evl_new_mutex(&m, nullptr), 0);
  run_on_evl_thread("mutex-pi-timeout", [&] {
    set_self(SCHED_FIFO, 1);
    const int self = evl_get_self();
    EXPECT_EQ(evl_lock_mutex(&m), 0);
    run_on_evl_thread("mutex-pi-impatient", [&] {
      set_self(SCHED_FIFO, 4);
      const struct timespec soon = time_after(CLOCK_MONOTONIC, std::chrono::milliseconds(20));
      EXPECT_EQ(evl_timedlock_mutex(&m, &soon), -ETIMEDOUT);
    });
    EXPECT_EQ(effective(self), std::make_pair(SCHED_FIFO, 1));
    EXPECT_EQ(evl_unlock_mutex(&m), 0);
  });
  EXPECT_EQ(evl_close_mutex(&m), 0);
}

TEST_F(MutexTest, CeilingBoostsTheOwner) {
  struct evl_mutex low, high;
  ASSERT_GE(evl_create_mutex(&low, EVL_CLOCK_MONOTONIC, 2, EVL_MUTEX_NORMAL, nullptr), 0);
  ASSERT_GE(evl_create_mutex(&high, EVL_CLOCK_MONOTONIC, 5, EVL_MUTEX_NORMAL, nullptr), 0);
  EXPECT_EQ(evl_get_mutex_ceiling(&low), 2);
  run_on_evl_thread("mutex-pp", [&] {
    const int self = evl_get_self();
    set_self(SCHED_WEAK, 1);
    EXPECT_EQ(evl_lock_mutex(&low), 0);
    EXPECT_EQ(effective(self), std::make_pair(SCHED_FIFO, 2));
    EXPECT_EQ(evl_lock_mutex(&high), 0);
    EXPECT_EQ(effective(self), std::make_pair(SCHED_FIFO, 5));
    EXPECT_EQ(evl_unlock_mutex(&high), 0);
    EXPECT_EQ(effective(self), std::make_pair(SCHED_FIFO, 2));
    EXPECT_EQ(evl_unlock_mutex(&low), 0);
    EXPECT_EQ(effective(self), std::make_pair(SCHED_WEAK, 1));
    EXPECT_EQ(evl_set_mutex_ceiling(&low, 7), 0);
    EXPECT_EQ(evl_get_mutex_ceiling(&low), 7);
    EXPECT_EQ(evl_lock_mutex(&low), 0);
    EXPECT_EQ(effective(self), std::make_pair(SCHED_FIFO, 7));
    EXPECT_EQ(evl_unlock_mutex(&low), 0);
  });
  EXPECT_EQ(evl_set_mutex_ceiling(&low, 0), -EINVAL);
  EXPECT_EQ(evl_set_mutex_ceiling(&low, 100), -EINVAL);
  struct evl_mutex bad;
  EXPECT_EQ(evl_create_mutex(&bad, EVL_CLOCK_MONOTONIC, 100, EVL_MUTEX_NORMAL, nullptr), -EINVAL);
  EXPECT_EQ(evl_close_mutex(&low), 0);
  EXPECT_EQ(evl_close_mutex(&high), 0);
}

TEST_F(MutexTest, DeadlocksAreDetectedAlongTheChain) {
  struct evl_mutex a, b;
  ASSERT_GE(evl_new_mutex(&a, nullptr), 0);
  ASSERT_GE(evl_new_mutex(&b, nullptr), 0);
  run_on_evl_thread("mutex-dlk-a", [&] {
    const int self = evl_get_self();
    EXPECT_EQ(evl_lock_mutex(&a), 0);
    std::atomic<bool> b_taken{false};
    auto other = start_evl_thread(unique_name("mutex-dlk-b"), [&] {
      EXPECT_EQ(evl_lock_mutex(&b), 0);
      b_taken = true;
      wait_until_blocked(self);                 // a's owner now waits for b...
      EXPECT_EQ(evl_lock_mutex(&a), -EDEADLK);  // ...which we own
      EXPECT_EQ(evl_unlock_mutex(&b), 0);
    });
    ASSERT_TRUE(other.ok());
    while (!b_taken) usleep(1000);
    EXPECT_EQ(evl_lock_mutex(&b), 0);  // until the other gives b up
    EXPECT_EQ(evl_unlock_mutex(&b), 0);
    EXPECT_EQ(evl_unlock_mutex(&a), 0);
    (*other)->join();
  });
  EXPECT_EQ(evl_close_mutex(&a), 0);
  EXPECT_EQ(evl_close_mutex(&b), 0);
}

// Whether this process may give its threads real-time policies, which the
// emulated core then applies to them.
bool real_time_allowed() {
  struct sched_param old_param;
  int old_policy;
  pthread_getschedparam(pthread_self(), &old_policy, &old_param);
  struct sched_param param = {};
  param.sched_priority = 1;
  if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) != 0) return false;
  pthread_setschedparam(pthread_self(), old_policy, &old_param);
  return true;
}

// Keeps the calling thread on one CPU.
void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof set, &set), 0);
}

TEST_F(MutexTest, AHigherPriorityLockerStealsAHandedOverMutex) {
  // The victim must not resume before the thief tries again: both share a
  // CPU, where the host runs the higher SCHED_FIFO priority first.
  if (!real_time_allowed()) GTEST_SKIP() << "needs SCHED_FIFO (root or CAP_SYS_NICE)";
  struct evl_mutex m;
  ASSERT_GE(evl_new_mutex(&m, nullptr), 0);
  const int cpu = sched_getcpu();
  ASSERT_GE(cpu, 0);
  run_on_evl_thread("mutex-steal", [&] {
    pin_to(cpu);
    set_self(SCHED_FIFO, 5);
    EXPECT_EQ(evl_lock_mutex(&m), 0);
    std::atomic<bool> acquired{false};
    auto victim = start_blocked_evl_thread("mutex-victim", [&] {
      pin_to(cpu);
      set_self(SCHED_FIFO, 1);
      EXPECT_EQ(evl_lock_mutex(&m), 0);
      acquired = true;
      EXPECT_EQ(evl_unlock_mutex(&m), 0);
    });
    ASSERT_NE(victim, nullptr);
    EXPECT_EQ(evl_unlock_mutex(&m), 0);   // handed to the victim...
    EXPECT_EQ(evl_trylock_mutex(&m), 0);  // ...which has not resumed: taken back
    EXPECT_FALSE(acquired);
    EXPECT_EQ(evl_unlock_mutex(&m), 0);
    victim->join();
    EXPECT_TRUE(acquired);
  });
  EXPECT_EQ(evl_close_mutex(&m), 0);
}

TEST_F(MutexTest, ClosingWakesWaitersWithEidrm) {
  struct evl_mutex m;
  ASSERT_GE(evl_new_mutex(&m, nullptr), 0);
  run_on_evl_thread("mutex-close", [&] {
    EXPECT_EQ(evl_lock_mutex(&m), 0);
    std::atomic<int> got{1};
    auto waiter = start_blocked_evl_thread("mutex-close-waiter", [&] { got = evl_lock_mutex(&m); });
    ASSERT_NE(waiter, nullptr);
    EXPECT_EQ(evl_close_mutex(&m), 0);
    waiter->join();
    EXPECT_EQ(got, -EIDRM);
  });
}

TEST_F(MutexTest, DetachingOwnerHandsTheMutexOver) {
  struct evl_mutex m;
  ASSERT_GE(evl_new_mutex(&m, nullptr), 0);
  run_on_evl_thread("mutex-leaver", [&] { EXPECT_EQ(evl_lock_mutex(&m), 0); });
  run_on_evl_thread("mutex-heir", [&] {
    EXPECT_EQ(evl_trylock_mutex(&m), 0);
    EXPECT_EQ(evl_unlock_mutex(&m), 0);
  });
  EXPECT_EQ(evl_close_mutex(&m), 0);
}

}  // namespace
}  // namespace oskit::evl::testing
