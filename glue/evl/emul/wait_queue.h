// Wait queues of the emulated core (the EVL core's wait queues): threads
// blocked on a monitor, a timer, a cross-buffer or an observable, by
// priority, first come first served among equals. Every operation but the
// sleep itself runs under core_lock.
#ifndef GLUE_EVL_EMUL_WAIT_QUEUE_H
#define GLUE_EVL_EMUL_WAIT_QUEUE_H

#include <atomic>

#include <boost/intrusive/list.hpp>

#include "glue/evl/emul/core_lock.h"
#include "glue/evl/emul/deadline.h"
#include "glue/evl/emul/event.h"

namespace oskit::evl::emul {

struct ThreadRecord;
class WaitQueue;

// One wait of one thread, on its stack.
class Waiter : public boost::intrusive::list_base_hook<> {
 public:
  // thread: the waiter's record, nullptr for a thread not attached.
  explicit Waiter(ThreadRecord* thread);
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  ThreadRecord* const thread;
  int prio ABSL_GUARDED_BY(core_lock) = 0;
  WaitQueue* queue ABSL_GUARDED_BY(core_lock) = nullptr;
  int status ABSL_GUARDED_BY(core_lock) = 0;  // what the waker says
  // What the waiter waits for, when a waker hands it something (a count, a
  // bit mask).
  int value ABSL_GUARDED_BY(core_lock) = 0;
  // The file the wait goes through, for elements whose files' closing ends
  // some waits only.
  const void* file = nullptr;

  // Ends the wait with status: dequeues and wakes the waiter.
  void wake(int status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  bool woken() const { return done_.load(std::memory_order_acquire); }
  // Sleeps until woken or the deadline passes (core_lock not held).
  void sleep(const Deadline& d) const;

 private:
  std::atomic<bool> done_{false};
  Event event_;
};

class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;
  ~WaitQueue();

  bool empty() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return waiters_.empty(); }
  Waiter* head() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return waiters_.empty() ? nullptr : &waiters_.front(); }
  void enqueue(Waiter& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  void remove(Waiter& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  // Puts w back in priority order after its priority changed.
  void reorder(Waiter& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  // Wakes the first waiter with status; false if there is none.
  bool wake_head(int status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  // Wakes every waiter with status.
  void flush(int status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

  template <typename Fn>
  void for_each(Fn fn) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    for (auto it = waiters_.begin(); it != waiters_.end();) fn(*it++);
  }

 private:
  boost::intrusive::list<Waiter> waiters_;
};

// Blocks the caller until a waker ends w (queued on a WaitQueue, or on
// nothing for a plain sleep) or the deadline passes. core_lock is released
// while asleep and held again on return; w is off its queue then. Returns the
// waker's status, -ETIMEDOUT, or -EINTR when evl_unblock_thread() ends the
// wait.
int block(Waiter& w, const Deadline& d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

// After a call that woke an attached thread of higher priority than the
// caller's (core_lock no longer held): yields until some attached thread
// begins a wait, as the woken one does when it blocks again, or a bounded
// number of times. The real core runs the woken thread first on the waker's
// CPU; libevl's programs count on that order (docs/evl-fidelity.md).
void yield_to_woken();

// Sleeps until woken() holds or the deadline passes; false on timeout. Every
// wait of the emulated core goes through here (core_lock not held).
bool sleep_until(const Event& ev, const std::atomic<bool>& woken, const Deadline& d);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_WAIT_QUEUE_H
