// A bufio over memory (OSKit manual 7.4): heap memory it owns, or caller
// memory. What components/membufio exports, and what the recycled pool
// (recycled_pool.h) hands out. Reads and writes are lock-free copies; setsize
// (owned memory only) must not run concurrently with I/O on the object and
// fails with OSKIT_EBUSY while a region is mapped.
#ifndef GLUE_BUFIO_MEMORY_BUFIO_H
#define GLUE_BUFIO_MEMORY_BUFIO_H

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "oskit/com/implements.h"
#include "oskit/io/blkio.h"
#include "oskit/io/bufio.h"
#include "oskit/sync/mutex.h"

namespace oskit::bufio {

class MemoryBufio : public Implements<MemoryBufio, oskit_bufio, oskit_absio, oskit_blkio> {
 public:
  using FreeFn = void (*)(void* cookie, void* buf);

  // A zero-filled heap buffer of size bytes; empty on exhaustion.
  static ComPtr<oskit_bufio> create(oskit_size_t size) noexcept;
  // A fixed-size buffer over [buf, buf+size); free(cookie, buf) at the last release.
  static ComPtr<oskit_bufio> create_extern(void* buf, oskit_size_t size, FreeFn free, void* cookie) noexcept;

  OSKIT_COMDECL_U getblocksize() noexcept override { return 1; }
  OSKIT_COMDECL read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                      oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL getsize(oskit_off_t* out_size) noexcept override;
  OSKIT_COMDECL setsize(oskit_off_t new_size) noexcept override;
  OSKIT_COMDECL map(void** out_addr, oskit_off_t offset, oskit_size_t amount) noexcept override;
  OSKIT_COMDECL unmap(void* addr, oskit_off_t offset, oskit_size_t amount) noexcept override;
  OSKIT_COMDECL wire(oskit_addr_t* out_phys_addr, oskit_off_t offset, oskit_size_t amount) noexcept override;
  OSKIT_COMDECL unwire(oskit_addr_t phys_addr, oskit_off_t offset, oskit_size_t amount) noexcept override;
  OSKIT_COMDECL copy(oskit_off_t offset, oskit_size_t amount, oskit_bufio** out_io) noexcept override;

 protected:
  enum class Memory { kOwned, kExternal };
  MemoryBufio(char* data, oskit_size_t size, Memory memory, FreeFn free, void* cookie) noexcept;
  ~MemoryBufio() override;

 private:
  struct Mapping {
    void* addr;
    oskit_off_t offset;
    oskit_size_t amount;
  };

  bool owns_memory() const noexcept { return memory_ == Memory::kOwned; }

  char* data_;
  oskit_size_t size_;
  const Memory memory_;
  const FreeFn free_;
  void* const cookie_;
  Mutex mu_;
  absl::InlinedVector<Mapping, 2> mappings_ ABSL_GUARDED_BY(mu_);
};

}  // namespace oskit::bufio

#endif  // GLUE_BUFIO_MEMORY_BUFIO_H
