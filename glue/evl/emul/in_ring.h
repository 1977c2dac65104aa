// The input ring of a proxy: one producer (the relay worker) appends bytes
// read from the target; readers (oob_read, read) take them in order, one at a
// time (a short spin lock serialises them).
#ifndef GLUE_EVL_EMUL_IN_RING_H
#define GLUE_EVL_EMUL_IN_RING_H

#include <errno.h>
#include <sched.h>
#include <string.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "oskit/sync/cpu_relax.h"
#include "glue/evl/emul/ring_memory.h"
#include "glue/evl/emul/shared_word.h"

namespace oskit::evl::emul {

template <typename Hooks = NoHooks>
class BasicInRing {
 public:
  BasicInRing() = default;
  BasicInRing(const BasicInRing&) = delete;
  BasicInRing& operator=(const BasicInRing&) = delete;
  // Allocates bufsz bytes of storage; 0 or -ENOMEM.
  int init(size_t bufsz) {
    size_ = bufsz;
    if (!memory_.allocate(size_)) return -ENOMEM;
    mem_ = memory_.base();
    return 0;
  }
  size_t size() const { return size_; }
  // Bytes a reader can take.
  uint64_t avail() const { return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire); }
  // Bytes the worker can append.
  size_t room() const { return size_ - avail(); }

  // Worker side: appends n bytes (n <= room()). Returns the bytes queued
  // before.
  uint64_t push(const char* src, size_t n) {
    uint64_t t = tail_.load(std::memory_order_relaxed);
    size_t off = t % size_;
    size_t first = std::min(n, size_ - off);
    memcpy(mem_ + off, src, first);
    if (first < n) memcpy(mem_, src + first, n - first);
    uint64_t before = t - head_.load(std::memory_order_acquire);
    tail_.store(t + n, std::memory_order_release);
    return before;
  }

  // Reader side: takes up to count bytes, a whole number of units. Returns
  // the count taken; *emptied when the ring became empty.
  size_t pop(char* dst, size_t count, size_t unit, bool* emptied) {
    lock();
    uint64_t h = head_.load(std::memory_order_relaxed);
    uint64_t t = tail_.load(std::memory_order_acquire);
    size_t n = std::min<uint64_t>(count, t - h);
    n -= n % unit;
    if (n > 0) {
      size_t off = h % size_;
      size_t first = std::min(n, size_ - off);
      memcpy(dst, mem_ + off, first);
      if (first < n) memcpy(dst + first, mem_, n - first);
      head_.store(h + n, std::memory_order_release);
    }
    unlock();
    *emptied = n > 0 && h + n == t;
    return n;
  }

 private:
  void lock() {
    for (int spins = 0;; ++spins) {
      if (!locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire)) return;
      Hooks::wait_for_change();
      if (spins < 100) {
        cpu_relax();
      } else {
        sched_yield();  // the holder was preempted
      }
    }
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

  RingMemory memory_;
  char* mem_ = nullptr;
  size_t size_ = 0;
  SharedWord<bool, Hooks> locked_{false};
  alignas(64) SharedWord<uint64_t, Hooks> tail_;
  alignas(64) SharedWord<uint64_t, Hooks> head_;
};

extern template class BasicInRing<NoHooks>;
using InRing = BasicInRing<NoHooks>;

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_IN_RING_H
