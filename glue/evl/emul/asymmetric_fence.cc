#include "glue/evl/emul/asymmetric_fence.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace oskit::evl::emul {
namespace fence_internal {

namespace {

long membarrier(int cmd) { return syscall(__NR_membarrier, cmd, 0, 0); }

// Registers the process for expedited membarrier; false if the kernel
// cannot serve it (too old, or a seccomp policy refuses it).
bool register_expedited() {
  long cmds = membarrier(MEMBARRIER_CMD_QUERY);
  if (cmds < 0 || (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
  return membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

}  // namespace

// Decided before main() runs: a thread that starts using the light side
// before registration completes would otherwise rely on a heavy side that
// is not there yet.
std::atomic<bool> g_heavy_available{register_expedited()};

}  // namespace fence_internal

void heavy_fence() {
  if (fence_internal::g_heavy_available.load(std::memory_order_relaxed) &&
      fence_internal::membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) {
    return;
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

}  // namespace oskit::evl::emul
