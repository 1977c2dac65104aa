// Storage of the proxy rings. From the host environment: an anonymous
// mapping, zero-filled and committed page by page as it is first written
// (the largest ring reserves gigabytes of addresses but commits what it
// uses). From an environment a harness installed (glue/env): its allocate(),
// zeroed, so that the harness sees and may refuse it.
#ifndef GLUE_EVL_EMUL_RING_MEMORY_H
#define GLUE_EVL_EMUL_RING_MEMORY_H

#include <cstddef>

namespace oskit::env {
class Environment;
}

namespace oskit::evl::emul {

class RingMemory {
 public:
  RingMemory() = default;
  RingMemory(const RingMemory&) = delete;
  RingMemory& operator=(const RingMemory&) = delete;
  ~RingMemory() { release(); }

  // size bytes reading zero, cache-line aligned; false when memory ran out.
  bool allocate(std::size_t size);
  // Commits [offset, offset + len) now (best effort).
  void populate(std::size_t offset, std::size_t len);
  void release();
  char* base() const { return base_; }

 private:
  char* base_ = nullptr;
  std::size_t size_ = 0;
  oskit::env::Environment* env_ = nullptr;  // null: mapped here
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_RING_MEMORY_H
