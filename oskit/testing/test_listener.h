// A listener for tests of asyncio objects: counts notifications, remembers the
// last object and lets a test wait for the next one (no time limit: a missing
// notification hangs the test until the test runner's own timeout).
#ifndef OSKIT_TESTING_TEST_LISTENER_H
#define OSKIT_TESTING_TEST_LISTENER_H

#include <functional>

#include "absl/base/thread_annotations.h"
#include "oskit/com/implements.h"
#include "oskit/com/listener.h"
#include "oskit/sync/mutex.h"

namespace oskit::testing {

class TestListener : public Implements<TestListener, oskit_listener> {
 public:
  // Runs on every notification before it is counted (e.g. to remove itself).
  void on_notify(std::function<void(oskit_iunknown*)> hook) {
    MutexLock lock(&mu_);
    hook_ = std::move(hook);
  }

  OSKIT_COMDECL notify(oskit_iunknown* obj) noexcept override {
    std::function<void(oskit_iunknown*)> hook;
    {
      MutexLock lock(&mu_);
      hook = hook_;
    }
    if (hook) hook(obj);
    MutexLock lock(&mu_);
    count_++;
    last_ = obj;
    cv_.notify_all();
    return 0;
  }

  int count() const {
    MutexLock lock(&mu_);
    return count_;
  }
  oskit_iunknown* last() const {
    MutexLock lock(&mu_);
    return last_;
  }
  // Waits until more than `seen` notifications have arrived; returns the count.
  int wait_beyond(int seen) const {
    MutexLock lock(&mu_);
    while (count_ <= seen) cv_.wait(&mu_);
    return count_;
  }

 protected:
  TestListener() = default;
  ~TestListener() override = default;

 private:
  mutable Mutex mu_;
  mutable CondVar cv_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
  oskit_iunknown* last_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::function<void(oskit_iunknown*)> hook_ ABSL_GUARDED_BY(mu_);
};

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_TEST_LISTENER_H
