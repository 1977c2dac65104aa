#include "glue/evl/emul/event.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace oskit::evl::emul {
namespace {

long futex(unsigned int* word, int op, unsigned int val, const struct timespec* ts, unsigned int bitset) {
  return syscall(SYS_futex, word, op, val, ts, nullptr, bitset);
}

bool waitq_wait(oskit_evl_waitq* q, unsigned int ticket, const struct timespec* deadline) {
  __atomic_fetch_add(&q->waiters, 1, __ATOMIC_SEQ_CST);
  bool in_time = true;
  while (__atomic_load_n(&q->seq, __ATOMIC_SEQ_CST) == ticket) {
    long rc = futex(&q->seq, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, ticket, deadline, FUTEX_BITSET_MATCH_ANY);
    if (rc < 0 && errno == ETIMEDOUT) {
      in_time = false;
      break;
    }
  }
  __atomic_fetch_sub(&q->waiters, 1, __ATOMIC_SEQ_CST);
  return in_time;
}

void waitq_wake(oskit_evl_waitq* q) {
  __atomic_fetch_add(&q->seq, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&q->waiters, __ATOMIC_SEQ_CST) != 0) {
    futex(&q->seq, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT32_MAX, nullptr, 0);
  }
}

}  // namespace

bool Event::wait(std::uint32_t ticket, const struct timespec* deadline) const {
  return waitq_wait(&q_, ticket, deadline);
}

void Event::wake_all() const { waitq_wake(&q_); }

void Event::sleep(std::uint32_t ticket) const {
  if (__atomic_load_n(&q_.seq, __ATOMIC_SEQ_CST) == ticket) {
    futex(&q_.seq, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, ticket, nullptr, FUTEX_BITSET_MATCH_ANY);
  }
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
