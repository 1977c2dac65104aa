// Event monitors of the emulated core: the counting semaphore behind evl_sem,
// the bit mask behind evl_flags, and the condition behind evl_event, waited
// on under a gate (the EVL documentation's "Semaphore", "Event flag group"
// and "Event" pages). Signals sent to a gated event take effect when the gate
// is next unlocked, as the EVL core does.
#ifndef GLUE_EVL_EMUL_EVENT_MONITOR_H
#define GLUE_EVL_EMUL_EVENT_MONITOR_H

#include <poll.h>

#include "evl/sem.h"
#include "glue/evl/emul/core_lock.h"
#include "glue/evl/emul/deadline.h"
#include "glue/evl/emul/gate.h"
#include "glue/evl/emul/thread_record.h"
#include "glue/evl/emul/wait_queue.h"

namespace oskit::evl::emul {

class EventMonitor : public BoundEventHook {
 public:
  // protocol: EVL_EVENT_COUNT, EVL_EVENT_MASK or EVL_EVENT_GATED; state: the
  // monitor state the process sees (the count or mask).
  EventMonitor(int protocol, struct evl_monitor_state* state, int initval);
  EventMonitor(const EventMonitor&) = delete;
  EventMonitor& operator=(const EventMonitor&) = delete;
  ~EventMonitor();

  int protocol() const { return protocol_; }

  // Semaphore: 0, -ETIMEDOUT, -EIDRM, -EINTR.
  int sem_get(ThreadRecord* self, const Deadline& d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  // 0 or -EAGAIN.
  int sem_tryget() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  void sem_put() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

  // Flag group: takes every bit set, waiting for one; 0, -ETIMEDOUT, -EIDRM,
  // -EINTR.
  int flags_wait(ThreadRecord* self, const Deadline& d, int* bits) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  // 0 or -EAGAIN.
  int flags_trywait(int* bits) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  // Posting ORs bits in; flags_wake() then wakes the first waiter, which
  // takes the bits when it resumes, as in the core (a waiter finding them
  // gone waits again).
  void flags_post(int bits) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  void flags_wake() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

  // Event: releases gate, waits for a signal, takes gate back. 0, -EPERM
  // (gate not owned by self), -EBADFD (others wait under another gate),
  // -ETIMEDOUT, -EIDRM, -EINTR.
  int wait(ThreadRecord* self, Gate* gate, const Deadline& d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  // Marks a signal for the first waiter, every waiter (broadcast), or target
  // (-ESRCH if it does not wait here); delivered at the gate's next unlock.
  void signal(bool broadcast) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  int signal_thread(ThreadRecord* target) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  // Called by the gate at unlock.
  void deliver_signals() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  // Called by the gate when it forgets this event.
  void unbound() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { gate_ = nullptr; }

  // Wakes every waiter with status (the monitor is being deleted).
  void flush(int status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

  // POLLIN while a semaphore's count is positive or a mask non-zero; POLLOUT
  // while a mask is zero. No lock needed.
  unsigned int poll_events() const;

 private:
  enum Pending : unsigned { kSignal = 1, kBroadcast = 2, kTargeted = 4 };
  int value() const { return __atomic_load_n(&state_->u.event.value, __ATOMIC_ACQUIRE); }
  void set_value(int v) { __atomic_store_n(&state_->u.event.value, v, __ATOMIC_RELEASE); }

  const int protocol_;
  struct evl_monitor_state* const state_;
  WaitQueue waiters_;
  Gate* gate_ ABSL_GUARDED_BY(core_lock) = nullptr;  // the gate waiters wait under
  unsigned pending_ ABSL_GUARDED_BY(core_lock) = 0;
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_EVENT_MONITOR_H
