// EVL events (<evl/event.h>): waiting under a mutex, signals delivered when
// the mutex is released, broadcast, targeted signals, timeouts with the mutex
// taken back, and the errors of each call.
#include <errno.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <memory>

#include <evl/evl.h>

#include "glue/evl/evl_thread.h"
#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class EventTest : public EvlTest {
 protected:
  void SetUp() override {
    ASSERT_GE(evl_new_mutex(&lock_, nullptr), 0);
    ASSERT_GE(evl_new_event(&event_, nullptr), 0);
  }
  void TearDown() override {
    EXPECT_EQ(evl_close_event(&event_), 0);
    EXPECT_EQ(evl_close_mutex(&lock_), 0);
  }

  // Starts a waiter for condition_ >= goal, blocked on return; its descriptor
  // goes to *fd (if not null).
  std::unique_ptr<oskit::env::WorkerThread> waiter(int goal, std::atomic<int>* woken, int* fd = nullptr) {
    return start_blocked_evl_thread(
        "event-waiter",
        [this, goal, woken] {
          EXPECT_EQ(evl_lock_mutex(&lock_), 0);  // free: the waiter blocks on the event
          while (condition_ < goal) EXPECT_EQ(evl_wait_event(&event_, &lock_), 0);
          (*woken)++;
          EXPECT_EQ(evl_unlock_mutex(&lock_), 0);
        },
        fd);
  }

  struct evl_mutex lock_;
  struct evl_event event_;
  int condition_ = 0;
};

TEST_F(EventTest, SignalWakesOneWaiterAtUnlock) {
  std::atomic<int> woken{0};
  auto w1 = waiter(1, &woken);
  auto w2 = waiter(2, &woken);
  run_on_evl_thread("event-signal", [&] {
    EXPECT_EQ(evl_lock_mutex(&lock_), 0);
    condition_ = 1;
    EXPECT_EQ(evl_signal_event(&event_), 0);
    EXPECT_EQ(evl_unlock_mutex(&lock_), 0);
  });
  w1->join();
  EXPECT_EQ(woken, 1);
  run_on_evl_thread("event-broadcast", [&] {
    EXPECT_EQ(evl_lock_mutex(&lock_), 0);
    condition_ = 2;
    EXPECT_EQ(evl_broadcast_event(&event_), 0);
    EXPECT_EQ(evl_unlock_mutex(&lock_), 0);
  });
  w2->join();
  EXPECT_EQ(woken, 2);
}

TEST_F(EventTest, TargetedSignalWakesThatThread) {
  std::atomic<int> woken{0};
  int fd2;
  auto w1 = waiter(1, &woken);
  auto w2 = waiter(1, &woken, &fd2);
  run_on_evl_thread("event-target", [&] {
    EXPECT_EQ(evl_lock_mutex(&lock_), 0);
    condition_ = 1;
    EXPECT_EQ(evl_signal_thread(&event_, fd2), 0);
    EXPECT_EQ(evl_unlock_mutex(&lock_), 0);
  });
  w2->join();
  EXPECT_EQ(woken, 1);
  run_on_evl_thread("event-target-rest", [&] {
    EXPECT_EQ(evl_signal_thread(&event_, evl_get_self()), -ESRCH);  // not waiting
    EXPECT_EQ(evl_lock_mutex(&lock_), 0);
    EXPECT_EQ(evl_broadcast_event(&event_), 0);
    EXPECT_EQ(evl_unlock_mutex(&lock_), 0);
  });
  w1->join();
  EXPECT_EQ(evl_signal_thread(&event_, 0), -EBADF);
}

TEST_F(EventTest, TimedWaitTakesTheMutexBack) {
  run_on_evl_thread("event-timeout", [&] {
    EXPECT_EQ(evl_lock_mutex(&lock_), 0);
    const struct timespec deadline = time_after(CLOCK_MONOTONIC, std::chrono::milliseconds(10));
    EXPECT_EQ(evl_timedwait_event(&event_, &lock_, &deadline), -ETIMEDOUT);
    EXPECT_EQ(evl_unlock_mutex(&lock_), 0);  // owned again
  });
}

TEST_F(EventTest, WaitErrors) {
  EXPECT_EQ(evl_wait_event(&event_, &lock_), -EPERM);  // not an EVL thread
  struct evl_mutex other;
  ASSERT_GE(evl_new_mutex(&other, nullptr), 0);
  std::atomic<int> woken{0};
  auto w = waiter(1, &woken);
  run_on_evl_thread("event-errors", [&] {
    EXPECT_EQ(evl_wait_event(&event_, &lock_), -EPERM);  // mutex not owned
    EXPECT_EQ(evl_lock_mutex(&other), 0);
    EXPECT_EQ(evl_wait_event(&event_, &other), -EBADFD);  // others wait under lock_
    EXPECT_EQ(evl_unlock_mutex(&other), 0);
    EXPECT_EQ(evl_lock_mutex(&lock_), 0);
    condition_ = 1;
    EXPECT_EQ(evl_signal_event(&event_), 0);
    EXPECT_EQ(evl_unlock_mutex(&lock_), 0);
  });
  w->join();
  struct evl_event garbage;
  garbage.magic = 0;
  EXPECT_EQ(evl_signal_event(&garbage), -EBADF);
  EXPECT_EQ(evl_close_mutex(&other), 0);
}

TEST_F(EventTest, SignalWithoutWaitersIsHarmless) {
  EXPECT_EQ(evl_signal_event(&event_), 0);
  EXPECT_EQ(evl_broadcast_event(&event_), 0);
}

}  // namespace
}  // namespace oskit::evl::testing
