// The C factories of the memory bufio, the heap pool and the recycled pool.
#include "components/membufio/membufio.h"

#include "absl/strings/str_format.h"
#include "glue/bufio/memory_bufio.h"
#include "glue/bufio/recycled_pool.h"
#include "glue/bufio/storage.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/io/range.h"

namespace oskit::membufio {
namespace {

using bufio::make_memory_bufio;
using bufio::Storage;

ComPtr<oskit_bufio> create_heap_bufio(oskit_size_t size) noexcept {
  Storage* storage = Storage::heap(size, true);
  if (storage == nullptr) return nullptr;
  ComPtr<oskit_bufio> io = make_memory_bufio(storage, size);
  if (!io) storage->unref();
  return io;
}

// The heap as a pool: any size, a new buffer each time.
class HeapPool : public Implements<HeapPool, oskit_bufio_pool, oskit_describe> {
 public:
  OSKIT_COMDECL alloc(oskit_size_t size, oskit_bufio** out_buf) noexcept override {
    if (out_buf == nullptr) return OSKIT_E_POINTER;
    *out_buf = create_heap_bufio(size).detach();
    return *out_buf != nullptr ? 0 : OSKIT_ENOMEM;
  }

  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    return describe_to(sink, [](Description& d) { d.kind("heap_bufio_pool", "bufios from the environment's memory"); });
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
  return oskit::membufio::create_heap_bufio(size).detach();
}

extern "C" oskit_bufio_t* oskit_create_extern_bufio(void* buf, oskit_size_t size, void (*free)(void*, void*),
                                                    void* cookie) {
  using oskit::bufio::Storage;
  if ((buf == nullptr && size != 0) || size > oskit::kMaxOffset) return nullptr;
  Storage* storage = Storage::external(buf, size, free, cookie);
  if (storage == nullptr) return nullptr;
  oskit::ComPtr<oskit_bufio> io = oskit::bufio::make_memory_bufio(storage, size);
  if (!io) Storage::discard_external(storage);
  return io.detach();
}

extern "C" oskit_error_t oskit_bufio_recycled_pool_create(oskit_size_t count, oskit_size_t size,
                                                          oskit_bufio_pool_t** out_pool) {
  if (out_pool == nullptr) return OSKIT_E_POINTER;
  oskit::ComPtr<oskit_bufio_pool> pool;
  oskit_error_t rc = oskit::bufio::make_recycled_pool(count, size, &pool);
  *out_pool = pool.detach();
  return rc;
}
