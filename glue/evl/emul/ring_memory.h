// Storage of the proxy rings, from the installed environment (glue/env).
#ifndef GLUE_EVL_EMUL_RING_MEMORY_H
#define GLUE_EVL_EMUL_RING_MEMORY_H

#include <cstddef>

namespace oskit::evl::emul {

// size bytes aligned to a cache line; nullptr when memory ran out.
void* alloc_ring_memory(std::size_t size);
// Frees what alloc_ring_memory returned (nullptr: nothing).
void free_ring_memory(void* p, std::size_t size);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_RING_MEMORY_H
