#include "glue/evl/emul/event.h"

#include <stdint.h>

#include "glue/env/osenv.h"

namespace oskit::evl::emul {
namespace {

// The emulation's EVL_CLOCK_MONOTONIC is the installed environment's clock
// (glue/env): a harness that moves time moves every timed wait with it.
oskit_s64_t deadline_ns(const struct timespec* deadline) {
  if (deadline == nullptr || deadline->tv_sec < 0) return deadline == nullptr ? OSKIT_OSENV_FOREVER : 0;
  if (deadline->tv_sec >= (OSKIT_OSENV_FOREVER - deadline->tv_nsec) / 1000000000) return OSKIT_OSENV_FOREVER - 1;
  return static_cast<oskit_s64_t>(deadline->tv_sec) * 1000000000 + deadline->tv_nsec;
}

bool waitq_wait(oskit_evl_waitq* q, unsigned int ticket, const struct timespec* deadline) {
  const oskit_s64_t until = deadline_ns(deadline);
  __atomic_fetch_add(&q->waiters, 1, __ATOMIC_SEQ_CST);
  bool in_time = true;
  while (__atomic_load_n(&q->seq, __ATOMIC_SEQ_CST) == ticket) {
    if (oskit_env_wait(&q->seq, ticket, until) == OSKIT_ETIMEDOUT) {
      in_time = false;
      break;
    }
  }
  __atomic_fetch_sub(&q->waiters, 1, __ATOMIC_SEQ_CST);
  return in_time;
}

void waitq_wake(oskit_evl_waitq* q) {
  __atomic_fetch_add(&q->seq, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&q->waiters, __ATOMIC_SEQ_CST) != 0) oskit_env_wake(&q->seq, UINT32_MAX);
}

}  // namespace

bool Event::wait(std::uint32_t ticket, const struct timespec* deadline) const {
  return waitq_wait(&q_, ticket, deadline);
}

void Event::wake_all() const { waitq_wake(&q_); }

void Event::sleep(std::uint32_t ticket) const {
  if (__atomic_load_n(&q_.seq, __ATOMIC_SEQ_CST) == ticket) oskit_env_wait(&q_.seq, ticket, OSKIT_OSENV_FOREVER);
}

}  // namespace oskit::evl::emul

extern "C" {

unsigned int oskit_evl_waitq_ticket(struct oskit_evl_waitq* q) { return __atomic_load_n(&q->seq, __ATOMIC_SEQ_CST); }

int oskit_evl_waitq_wait(struct oskit_evl_waitq* q, unsigned int ticket) {
  oskit::evl::emul::waitq_wait(q, ticket, nullptr);
  return 0;
}

void oskit_evl_waitq_wake_all(struct oskit_evl_waitq* q) { oskit::evl::emul::waitq_wake(q); }

}  // extern "C"
