// EVL events (<evl/event.h>): waiting under a mutex, signals delivered when
// the mutex is released, broadcast, targeted signals, timeouts with the mutex
// taken back, and the errors of each call.
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

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

  // Starts a waiter for condition_ >= goal; its descriptor goes to *fd.
  std::unique_ptr<oskit::env::WorkerThread> waiter(int goal, std::atomic<int>* fd, std::atomic<int>* woken) {
    auto t = start_evl_thread(unique_name("event-waiter"), [this, goal, fd, woken] {
      EXPECT_EQ(evl_lock_mutex(&lock_), 0);
      *fd = evl_get_self();
      while (condition_ < goal) EXPECT_EQ(evl_wait_event(&event_, &lock_), 0);
      (*woken)++;
      EXPECT_EQ(evl_unlock_mutex(&lock_), 0);
    });
    EXPECT_TRUE(t.ok());
    while (*fd < 0) usleep(1000);
    wait_until_blocked(*fd);
    return t.ok() ? std::move(t).value() : nullptr;
  }

  struct evl_mutex lock_;
  struct evl_event event_;
  int condition_ = 0;
};

TEST_F(EventTest, SignalWakesOneWaiterAtUnlock) {
  std::atomic<int> fd1{-1}, fd2{-1}, woken{0};
  auto w1 = waiter(1, &fd1, &woken);
  auto w2 = waiter(2, &fd2, &woken);
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
  std::atomic<int> fd1{-1}, fd2{-1}, woken{0};
  auto w1 = waiter(1, &fd1, &woken);
  auto w2 = waiter(1, &fd2, &woken);
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
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 10000000;
    if (deadline.tv_nsec >= 1000000000) {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000;
    }
    EXPECT_EQ(evl_timedwait_event(&event_, &lock_, &deadline), -ETIMEDOUT);
    EXPECT_EQ(evl_unlock_mutex(&lock_), 0);  // owned again
  });
}

TEST_F(EventTest, WaitErrors) {
  EXPECT_EQ(evl_wait_event(&event_, &lock_), -EPERM);  // not an EVL thread
  struct evl_mutex other;
  ASSERT_GE(evl_new_mutex(&other, nullptr), 0);
  std::atomic<int> fd{-1}, woken{0};
  auto w = waiter(1, &fd, &woken);
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
