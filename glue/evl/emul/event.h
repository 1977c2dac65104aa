// A sequence word threads sleep on through the installed environment's clock
// (glue/env's futex-like wait and wake): the emulation's wait queue, and the
// one behind oskit_evl_waitq (glue/evl/driver.h).
#ifndef GLUE_EVL_EMUL_EVENT_H
#define GLUE_EVL_EMUL_EVENT_H

#include <time.h>

#include <cstdint>

#include "glue/evl/driver.h"

namespace oskit::evl::emul {

// Wakers change the state they publish, then wake; waiters take a ticket,
// re-check the state, then wait on the ticket. Waking calls the environment
// only when someone sleeps.
class Event {
 public:
  std::uint32_t ticket() const { return __atomic_load_n(&q_.seq, __ATOMIC_SEQ_CST); }
  // Sleeps until a wake after ticket; false when the absolute deadline on the
  // environment's clock (the emulation's EVL_CLOCK_MONOTONIC; nullptr: none)
  // passes first.
  bool wait(std::uint32_t ticket, const struct timespec* deadline = nullptr) const;
  void wake_all() const;
  bool has_waiters() const { return __atomic_load_n(&q_.waiters, __ATOMIC_SEQ_CST) != 0; }

  // Sleeps until done() holds. The waker changes what done() reads, then
  // calls wake_waiters(); both sides use sequentially consistent accesses, so
  // either the waker sees this waiter or done() sees the change.
  template <typename Done>
  void await(Done done) const {
    for (;;) {
      std::uint32_t t = ticket();
      __atomic_fetch_add(&q_.waiters, 1, __ATOMIC_SEQ_CST);
      const bool finished = done();
      if (!finished) sleep(t);
      __atomic_fetch_sub(&q_.waiters, 1, __ATOMIC_SEQ_CST);
      if (finished) return;
    }
  }
  void wake_waiters() const {
    if (has_waiters()) wake_all();
  }

 private:
  void sleep(std::uint32_t ticket) const;

  mutable oskit_evl_waitq q_{0, 0};
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_EVENT_H
