#include "glue/evl/emul/ring_memory.h"

#include "glue/env/env.h"

namespace oskit::evl::emul {

void* alloc_ring_memory(std::size_t size) { return oskit::env::current().allocate(size, 64); }

void free_ring_memory(void* p, std::size_t size) {
  if (p != nullptr) oskit::env::current().deallocate(p, size, 64);
}

}  // namespace oskit::evl::emul
