// A fence pair for protocols where one side runs often and must stay cheap
// (a producer publishing a record) and the other runs rarely and may pay (a
// worker about to sleep, a closer about to free). The light side is a
// compiler barrier; the heavy side makes every thread of the process execute
// a full memory barrier (membarrier(2), MEMBARRIER_CMD_PRIVATE_EXPEDITED).
// Where the kernel lacks it, both sides are full fences.
//
// Use: the light side stores X then loads Y; the heavy side stores Y then
// loads X; with light_fence() and heavy_fence() between, at least one of the
// loads sees the other side's store.
#ifndef GLUE_EVL_EMUL_ASYMMETRIC_FENCE_H
#define GLUE_EVL_EMUL_ASYMMETRIC_FENCE_H

#include <atomic>

namespace oskit::evl::emul {

namespace fence_internal {
extern std::atomic<bool> g_heavy_available;
}  // namespace fence_internal

inline void light_fence() {
  if (fence_internal::g_heavy_available.load(std::memory_order_relaxed)) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } else {
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
}

// A system call when the kernel serves it (a few microseconds).
void heavy_fence();

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_ASYMMETRIC_FENCE_H
