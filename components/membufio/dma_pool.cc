// The DMA pool: a bounded set of buffers from a device-address space's
// alloc_mem, each contiguous for the device, recycled through a free list.
#include <atomic>
#include <cstring>
#include <new>

#include <boost/intrusive/slist.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_format.h"
#include "components/membufio/membufio.h"
#include "glue/bufio/memory_bufio.h"
#include "glue/bufio/storage.h"
#include "glue/dma/dma.h"
#include "glue/env/env.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/sync/mutex.h"

namespace oskit::membufio {
namespace {

using bufio::make_memory_bufio;
using bufio::Resize;
using bufio::Storage;

class PoolCore;

void drop_pooled(Storage* storage) noexcept;
Storage* pooled_for_copy(const Storage* storage, oskit_size_t size) noexcept;

constexpr Storage::Kind kPooledKind = {&drop_pooled, &pooled_for_copy, false, Resize::kWithinCapacity};

// One buffer of the pool; a bufio over it holds it as its storage.
class PoolBuffer final : public Storage, public boost::intrusive::slist_base_hook<> {
 public:
  PoolBuffer(char* bytes, oskit_size_t size, oskit_dma_space* space, PoolCore* core) noexcept
      : Storage(&kPooledKind, bytes, size, space), core(core) {}
  using Storage::revive;
  PoolCore* const core;
};

// What the pool object and its outstanding buffers share: the buffers, the
// free list and the space. Each outstanding buffer holds a reference, so the
// memory stays while any buffer is in use after the pool object has gone.
class PoolCore {
 public:
  // count buffers of buffer_size bytes from space. OSKIT_ENOMEM.
  static oskit_error_t create(oskit_dma_space* space, oskit_size_t buffer_size, oskit_u32_t count,
                              PoolCore** out) noexcept;

  void ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy();
  }
  oskit_size_t buffer_size() const noexcept { return buffer_size_; }
  oskit_u32_t count() const noexcept { return count_; }
  oskit_u32_t free_buffers() noexcept {
    MutexLock lock(&mu_);
    return static_cast<oskit_u32_t>(free_.size());
  }
  oskit_dma_space* space() const noexcept { return space_.get(); }

  // A free buffer with one reference (which holds the core), or nullptr.
  Storage* take() noexcept;
  // A buffer whose last reference went.
  void give_back(PoolBuffer* buffer) noexcept;

 private:
  PoolCore(oskit_dma_space* space, oskit_size_t buffer_size) noexcept
      : space_(ComPtr<oskit_dma_space>::copy(space)), buffer_size_(buffer_size) {}
  ~PoolCore() = default;
  oskit_error_t fill(oskit_u32_t count) noexcept;
  void destroy() noexcept;

  std::atomic<long> refs_{1};
  const ComPtr<oskit_dma_space> space_;
  const oskit_size_t buffer_size_;
  PoolBuffer* buffers_ = nullptr;  // environment memory
  oskit_u32_t made_ = 0;           // buffers constructed in buffers_
  oskit_u32_t count_ = 0;
  Mutex mu_;
  boost::intrusive::slist<PoolBuffer> free_ ABSL_GUARDED_BY(mu_);
};

oskit_size_t buffer_alignment(oskit_size_t size) { return size >= 4096 ? 4096 : 64; }

oskit_error_t PoolCore::create(oskit_dma_space* space, oskit_size_t buffer_size, oskit_u32_t count,
                               PoolCore** out) noexcept {
  void* mem = env::current().allocate(sizeof(PoolCore), alignof(PoolCore));
  if (mem == nullptr) return OSKIT_ENOMEM;
  PoolCore* core = new (mem) PoolCore(space, buffer_size);
  oskit_error_t rc = core->fill(count);
  if (rc != 0) {
    core->unref();
    return rc;
  }
  *out = core;
  return 0;
}

oskit_error_t PoolCore::fill(oskit_u32_t count) noexcept {
  buffers_ = static_cast<PoolBuffer*>(env::current().allocate(count * sizeof(PoolBuffer), alignof(PoolBuffer)));
  if (buffers_ == nullptr) return OSKIT_ENOMEM;
  count_ = count;
  MutexLock lock(&mu_);
  for (; made_ < count; made_++) {
    void* bytes = nullptr;
    oskit_error_t rc = space_->alloc_mem(buffer_size_, buffer_alignment(buffer_size_), &bytes);
    if (rc != 0) return rc;
    PoolBuffer* buffer = new (&buffers_[made_]) PoolBuffer(static_cast<char*>(bytes), buffer_size_, space_.get(), this);
    free_.push_front(*buffer);
  }
  return 0;
}

void PoolCore::destroy() noexcept {
  {
    MutexLock lock(&mu_);
    free_.clear();
  }
  for (oskit_u32_t i = 0; i < made_; i++) {
    space_->free_mem(buffers_[i].bytes(), buffer_size_);
    buffers_[i].~PoolBuffer();
  }
  if (buffers_ != nullptr) env::current().deallocate(buffers_, count_ * sizeof(PoolBuffer), alignof(PoolBuffer));
  this->~PoolCore();
  env::current().deallocate(this, sizeof(PoolCore), alignof(PoolCore));
}

Storage* PoolCore::take() noexcept {
  PoolBuffer* buffer;
  {
    MutexLock lock(&mu_);
    if (free_.empty()) return nullptr;
    buffer = &free_.front();
    free_.pop_front();
  }
  ref();
  buffer->revive();
  return buffer;
}

void PoolCore::give_back(PoolBuffer* buffer) noexcept {
  {
    MutexLock lock(&mu_);
    free_.push_front(*buffer);
  }
  unref();
}

void drop_pooled(Storage* storage) noexcept {
  auto* buffer = static_cast<PoolBuffer*>(storage);
  buffer->core->give_back(buffer);
}

Storage* pooled_for_copy(const Storage* storage, oskit_size_t size) noexcept {
  PoolCore* core = static_cast<const PoolBuffer*>(storage)->core;
  Storage* fresh = size <= core->buffer_size() ? core->take() : nullptr;
  return fresh != nullptr ? fresh : Storage::heap(size, false);  // an empty pool still copies
}

// The pool object: bufio_pool over a core.
class DmaPool : public Implements<DmaPool, oskit_bufio_pool, oskit_describe> {
 public:
  OSKIT_COMDECL alloc(oskit_size_t size, oskit_bufio** out_buf) noexcept override {
    if (out_buf == nullptr) return OSKIT_E_POINTER;
    *out_buf = nullptr;
    if (size > core_->buffer_size()) return OSKIT_EINVAL;
    Storage* buffer = core_->take();
    if (buffer == nullptr) return OSKIT_EAGAIN;
    std::memset(buffer->bytes(), 0, size);  // nothing of the buffer's last user shows
    ComPtr<oskit_bufio> io = make_memory_bufio(buffer, size);
    if (!io) {
      buffer->unref();
      return OSKIT_ENOMEM;
    }
    *out_buf = io.detach();
    return 0;
  }

  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    char detail[64];
    absl::SNPrintF(detail, sizeof detail, "%u buffers of %u bytes", core_->count(), core_->buffer_size());
    return describe_to(sink, [&](Description& d) {
      d.kind("dma_bufio_pool", detail).holds("space", core_->space()).counter("free_buffers", core_->free_buffers());
    });
  }

 protected:
  explicit DmaPool(PoolCore* core) noexcept : core_(core) {}
  ~DmaPool() override { core_->unref(); }

 private:
  PoolCore* const core_;
};

}  // namespace
}  // namespace oskit::membufio

extern "C" oskit_error_t oskit_dma_bufio_pool_create(oskit_dma_space_t* space, oskit_size_t buffer_size,
                                                     oskit_u32_t count, oskit_bufio_pool_t** out_pool) {
  using oskit::membufio::PoolCore;
  if (out_pool == nullptr) return OSKIT_E_POINTER;
  *out_pool = nullptr;
  if (buffer_size == 0 || count == 0) return OSKIT_EINVAL;
  oskit::ComPtr<oskit_dma_space> chosen = oskit::ComPtr<oskit_dma_space>::copy(space);
  if (!chosen) {
    oskit_error_t rc = oskit_dma_default_space(chosen.put());
    if (rc != 0) return rc;
  }
  PoolCore* core = nullptr;
  oskit_error_t rc = PoolCore::create(chosen.get(), buffer_size, count, &core);
  if (rc != 0) return rc;
  *out_pool = oskit::make<oskit::membufio::DmaPool>(core).detach();
  if (*out_pool == nullptr) {
    core->unref();
    return OSKIT_ENOMEM;
  }
  return 0;
}
