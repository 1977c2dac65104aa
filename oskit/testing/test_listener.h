// A listener for tests of asyncio objects: counts notifications, remembers the
// last object and lets a test wait for the next one (no time limit: a missing
// notification hangs the test until the test runner's own timeout).
#ifndef OSKIT_TESTING_TEST_LISTENER_H
#define OSKIT_TESTING_TEST_LISTENER_H

#include <condition_variable>
#include <functional>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "oskit/com/implements.h"
#include "oskit/com/listener.h"

namespace oskit::testing {

class TestListener : public Implements<TestListener, oskit_listener> {
 public:
  // Runs on every notification before it is counted (e.g. to remove itself).
  void on_notify(std::function<void(oskit_iunknown*)> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    hook_ = std::move(hook);
  }

  OSKIT_COMDECL notify(oskit_iunknown* obj) noexcept override {
    std::function<void(oskit_iunknown*)> hook;
    {
      std::lock_guard<std::mutex> lock(mu_);
      hook = hook_;
    }
    if (hook) hook(obj);
    std::lock_guard<std::mutex> lock(mu_);
    count_++;
    last_ = obj;
    cv_.notify_all();
    return 0;
  }

  int count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }
  oskit_iunknown* last() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }
  // Waits until more than `seen` notifications have arrived; returns the count.
  int wait_beyond(int seen) const {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return count_ > seen; });
    return count_;
  }

 protected:
  TestListener() = default;
  ~TestListener() override = default;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
  oskit_iunknown* last_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::function<void(oskit_iunknown*)> hook_ ABSL_GUARDED_BY(mu_);
};

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_TEST_LISTENER_H
