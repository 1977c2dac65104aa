// A standard-library allocator over the embedding environment's memory
// (docs/design.md, "Embedding"), for the containers of glue/dma's
// bookkeeping. Throws std::bad_alloc on exhaustion, as the containers expect.
#ifndef GLUE_DMA_ENV_ALLOCATOR_H
#define GLUE_DMA_ENV_ALLOCATOR_H

#include <cstddef>
#include <new>

#include "glue/env/env.h"

namespace oskit::dma {

template <class T>
struct EnvAllocator {
  using value_type = T;

  EnvAllocator() noexcept = default;
  template <class U>
  EnvAllocator(const EnvAllocator<U>&) noexcept {}  // NOLINT: rebinding

  T* allocate(std::size_t n) {
    void* p = env::current().allocate(n * sizeof(T), alignof(T));
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept { env::current().deallocate(p, n * sizeof(T), alignof(T)); }

  friend bool operator==(const EnvAllocator&, const EnvAllocator&) noexcept { return true; }
  friend bool operator!=(const EnvAllocator&, const EnvAllocator&) noexcept { return false; }
};

}  // namespace oskit::dma

#endif  // GLUE_DMA_ENV_ALLOCATOR_H
