#include "components/membufio/membufio.h"

#include "glue/bufio/memory_bufio.h"
#include "glue/bufio/recycled_pool.h"
#include "oskit/com/implements.h"

namespace oskit::membufio {
namespace {

// The heap as a pool: any size, a new buffer each time.
class HeapPool : public Implements<HeapPool, oskit_bufio_pool> {
 public:
  OSKIT_COMDECL alloc(oskit_size_t size, oskit_bufio** out_buf) noexcept override {
    if (out_buf == nullptr) return OSKIT_E_POINTER;
    *out_buf = bufio::MemoryBufio::create(size).detach();
    return *out_buf != nullptr ? 0 : OSKIT_ENOMEM;
  }

 protected:
  HeapPool() = default;
  ~HeapPool() override = default;
};

}  // namespace
}  // namespace oskit::membufio

extern "C" oskit_error_t oskit_bufio_heap_pool_create(oskit_bufio_pool_t** out_pool) {
  if (out_pool == nullptr) return OSKIT_E_POINTER;
  *out_pool = oskit::make<oskit::membufio::HeapPool>().detach();
  return *out_pool != nullptr ? 0 : OSKIT_ENOMEM;
}

extern "C" oskit_bufio_t* oskit_bufio_create(oskit_size_t size) {
  return oskit::bufio::MemoryBufio::create(size).detach();
}

extern "C" oskit_bufio_t* oskit_create_extern_bufio(void* buf, oskit_size_t size, void (*free)(void*, void*),
                                                   void* cookie) {
  return oskit::bufio::MemoryBufio::create_extern(buf, size, free, cookie).detach();
}

extern "C" oskit_error_t oskit_bufio_recycled_pool_create(oskit_size_t count, oskit_size_t size,
                                                          oskit_bufio_pool_t** out_pool) {
  if (out_pool == nullptr) return OSKIT_E_POINTER;
  oskit::ComPtr<oskit_bufio_pool> pool;
  oskit_error_t rc = oskit::bufio::make_recycled_pool(count, size, &pool);
  *out_pool = pool.detach();
  return rc;
}
