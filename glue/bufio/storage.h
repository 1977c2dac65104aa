// The bytes behind a memory bufio, shared by reference count: heap blocks
// (which copy-on-write copies share), caller memory, or a DMA pool's buffer
// (docs/design.md, "Exporting bufio to DMA code").
#ifndef GLUE_BUFIO_STORAGE_H
#define GLUE_BUFIO_STORAGE_H

#include <atomic>

#include "oskit/io/dma_space.h"

namespace oskit::bufio {

// How setsize treats a bufio over a kind of storage.
enum class Resize {
  kReallocate,      // heap: a new block of the new size
  kWithinCapacity,  // a pool's buffer: any size up to the buffer's
  kFixed,           // caller memory: OSKIT_E_NOTIMPL
};

class Storage {
 public:
  using FreeFn = void (*)(void* cookie, void* buf);

  // What differs between kinds of storage.
  struct Kind {
    // Gives the storage back when its last reference goes.
    void (*drop)(Storage* storage) noexcept;
    // Storage for a copy of size bytes of this one, not initialised (a pool's
    // buffer where one is free, else the heap); nullptr on exhaustion.
    Storage* (*for_copy)(const Storage* storage, oskit_size_t size) noexcept;
    // Whether copies may share it until one of them is written.
    bool shareable;
    Resize resize;
  };

  // A heap block of size bytes (memory from the embedding environment),
  // zero-filled if asked; nullptr on exhaustion.
  static Storage* heap(oskit_size_t size, bool zeroed) noexcept;
  // Caller memory [buf, buf + size); free(cookie, buf) at the last reference
  // when free is not NULL. nullptr on exhaustion.
  static Storage* external(void* buf, oskit_size_t size, FreeFn free, void* cookie) noexcept;
  // Frees storage from external() that never served an object, without
  // calling its free function (the memory stays the caller's).
  static void discard_external(Storage* storage) noexcept;

  void ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) kind_->drop(this);
  }
  // Whether another object holds it too.
  bool shared() const noexcept { return refs_.load(std::memory_order_seq_cst) > 1; }

  char* bytes() const noexcept { return bytes_; }
  oskit_size_t capacity() const noexcept { return capacity_; }
  bool shareable() const noexcept { return kind_->shareable; }
  Resize resize() const noexcept { return kind_->resize; }
  // The space its memory was made for, or nullptr when any space may wire it.
  oskit_dma_space* space() const noexcept { return space_; }
  Storage* for_copy(oskit_size_t size) const noexcept { return kind_->for_copy(this, size); }

 protected:
  Storage(const Kind* kind, char* bytes, oskit_size_t capacity, oskit_dma_space* space) noexcept
      : kind_(kind), bytes_(bytes), capacity_(capacity), space_(space) {}
  ~Storage() = default;
  // Starts a recycled storage's life again with one reference.
  void revive() noexcept { refs_.store(1, std::memory_order_relaxed); }

 private:
  std::atomic<long> refs_{1};
  const Kind* const kind_;
  char* const bytes_;
  const oskit_size_t capacity_;
  oskit_dma_space* const space_;
};

}  // namespace oskit::bufio

#endif  // GLUE_BUFIO_STORAGE_H
