// What the emulated core knows of each EVL thread: its scheduling attributes,
// base and effective (with the boosts of priority inheritance and priority
// protection), its mode and state bits, and what it waits for. The effective
// policy and priority are applied to the Linux thread, so the host scheduler
// orders EVL threads as the EVL core would.
#ifndef GLUE_EVL_EMUL_THREAD_RECORD_H
#define GLUE_EVL_EMUL_THREAD_RECORD_H

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <string>

#include <boost/intrusive/list.hpp>

#include "evl/thread.h"
#include "glue/evl/emul/core_lock.h"
#include "uapi/evl/types.h"

namespace oskit::evl::emul {

class Gate;
class Observable;
class Waiter;

// The link of a gate in its owner's list of owned gates.
struct OwnedGateTag;
using OwnedGateHook = boost::intrusive::list_base_hook<boost::intrusive::tag<OwnedGateTag>>;
using OwnedGates = boost::intrusive::list<Gate, boost::intrusive::base_hook<OwnedGateHook>>;

struct ThreadRecord {
  ThreadRecord(fundle_t handle, Observable* observable);
  ThreadRecord(const ThreadRecord&) = delete;
  ThreadRecord& operator=(const ThreadRecord&) = delete;

  const fundle_t handle;
  const pthread_t pthread;
  const pid_t tid;
  Observable* const observable;  // nullptr unless attached with EVL_CLONE_OBSERVABLE

  struct evl_sched_attrs base ABSL_GUARDED_BY(core_lock);
  int policy ABSL_GUARDED_BY(core_lock);      // effective
  int prio ABSL_GUARDED_BY(core_lock);        // effective
  __u32 mode ABSL_GUARDED_BY(core_lock) = 0;  // T_WOSS, T_WOLI, T_WOSX, T_HMSIG, T_HMOBS
  __u32 state ABSL_GUARDED_BY(core_lock) = 0;
  Waiter* wait ABSL_GUARDED_BY(core_lock) = nullptr;
  Gate* waiting_for ABSL_GUARDED_BY(core_lock) = nullptr;
  OwnedGates owned ABSL_GUARDED_BY(core_lock);
  bool detached ABSL_GUARDED_BY(core_lock) = false;
  // What the Linux thread was last given.
  int host_policy ABSL_GUARDED_BY(core_lock);
  int host_prio ABSL_GUARDED_BY(core_lock);
  std::atomic<__u32> switches_inband{0};
};

// The caller's record, nullptr if it is not attached.
ThreadRecord* current_thread();
void set_current_thread(ThreadRecord* t);

// Whether an effective priority ranks above another (SCHED_WEAK below every
// SCHED_FIFO priority).
int weighted_prio(int policy, int prio);

// Recomputes t's effective policy and priority from its base attributes and
// the gates it owns (their ceilings, their waiters' priorities), then carries
// the change along the gates t waits for.
void update_priority(ThreadRecord* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

// Sets t's base attributes: 0, -EINVAL, -EOPNOTSUPP.
int set_base_attrs(ThreadRecord* t, const struct evl_sched_attrs& attrs) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

// Fills statebuf as evl_get_state() reports it.
void thread_state(ThreadRecord* t, struct evl_thread_state* statebuf) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

// evl_set_thread_mode() (set) and evl_clear_thread_mode(): 0 or -EINVAL.
int update_mode(ThreadRecord* t, __u32 mask, bool set, __u32* oldmask) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

// Ends t's current wait with -EINTR, if it waits.
void unblock(ThreadRecord* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_THREAD_RECORD_H
