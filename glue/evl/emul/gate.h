// EVL mutexes inside the emulated core (the EVL documentation's "Mutex"
// page): an owner, waiters by priority, priority inheritance always and a
// priority ceiling for priority-protected gates, deadlock detection along the
// chain of owners, ownership handed to the first waiter on unlock (and
// stolen back by a higher-priority locker before that waiter resumes), and
// the wake-ups of the events waited on under the gate, done at unlock.
#ifndef GLUE_EVL_EMUL_GATE_H
#define GLUE_EVL_EMUL_GATE_H

#include <boost/intrusive/list.hpp>

#include "evl/mutex.h"
#include "glue/evl/emul/core_lock.h"
#include "glue/evl/emul/deadline.h"
#include "glue/evl/emul/thread_record.h"
#include "glue/evl/emul/wait_queue.h"

namespace oskit::evl::emul {

class EventMonitor;

struct BoundEventTag;
using BoundEventHook = boost::intrusive::list_base_hook<boost::intrusive::tag<BoundEventTag>>;

class Gate : public OwnedGateHook {
 public:
  // state: the monitor state the process sees (owner, ceiling, nesting).
  Gate(int protocol, unsigned int ceiling, bool recursive, struct evl_monitor_state* state);
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  ~Gate();

  // evl_lock_mutex / evl_timedlock_mutex: 0, -EDEADLK, -EAGAIN (nesting
  // overflow), -ETIMEDOUT, -EIDRM, -EINTR.
  int acquire(ThreadRecord* self, const Deadline& d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  // evl_trylock_mutex: 0, -EBUSY, -EDEADLK, -EAGAIN.
  int try_acquire(ThreadRecord* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  // evl_unlock_mutex: 0, -EPERM (not the owner).
  int release(ThreadRecord* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

  // For events waited on under this gate: the owner gives the gate up whole
  // (its nesting count returned; pending signals stay pending) and takes it
  // back after the wait.
  int give_up(ThreadRecord* self, int* nesting) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  int take_back(ThreadRecord* self, int nesting) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  bool owned_by(const ThreadRecord* t) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return owner_ == t; }
  void bind(EventMonitor* event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  void unbind(EventMonitor* event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

  // The policy and priority this gate lends its owner: its ceiling, its first
  // waiter's; false when it lends nothing.
  bool lends(int* policy, int* prio) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  ThreadRecord* owner() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return owner_; }
  // Called when the priority of a waiter changed.
  void waiter_moved(Waiter& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

  int protocol() const { return protocol_; }
  unsigned int ceiling() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return ceiling_; }
  void set_ceiling(unsigned int c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

  // The owner leaves (it detaches from the core): the gate goes to the next
  // waiter, whatever the nesting.
  void abandon() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

  // Wakes every waiter with status (the gate is being deleted).
  void flush(int status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

 private:
  void take(ThreadRecord* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  void drop() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  bool would_deadlock(const ThreadRecord* self) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  bool may_steal(const ThreadRecord* self) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  int nested_again() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  void fire_events() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  void publish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

  const int protocol_;
  const bool recursive_;
  struct evl_monitor_state* const state_;
  unsigned int ceiling_ ABSL_GUARDED_BY(core_lock);
  unsigned int active_ceiling_ ABSL_GUARDED_BY(core_lock);  // as when the owner took the gate
  ThreadRecord* owner_ ABSL_GUARDED_BY(core_lock) = nullptr;
  int nesting_ ABSL_GUARDED_BY(core_lock) = 0;
  // Handed to a waiter which has not resumed yet: a higher-priority locker may
  // take it back.
  bool handed_over_ ABSL_GUARDED_BY(core_lock) = false;
  WaitQueue waiters_;
  boost::intrusive::list<EventMonitor, boost::intrusive::base_hook<BoundEventHook>> events_ ABSL_GUARDED_BY(core_lock);
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_GATE_H
