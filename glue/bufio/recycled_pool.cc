#include "glue/bufio/recycled_pool.h"

#include <cstddef>
#include <cstring>
#include <limits>
#include <new>

#include <boost/intrusive/slist.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_format.h"
#include "glue/bufio/memory_bufio.h"
#include "glue/bufio/storage.h"
#include "oskit/com/description.h"
#include "oskit/com/heap.h"
#include "oskit/com/implements.h"
#include "oskit/sync/mutex.h"

namespace oskit::bufio {
namespace {

// One buffer of the pool: its bufio, linked on the free list while free.
struct Slot : boost::intrusive::slist_base_hook<> {
  oskit_bufio* io = nullptr;
};

class RecycledPool : public Implements<RecycledPool, oskit_bufio_pool, oskit_describe>, private BufioRecycler {
 public:
  // count buffers of size bytes in one slab; empty on exhaustion.
  static ComPtr<RecycledPool> create(oskit_size_t count, oskit_size_t size) noexcept {
    if (size > std::numeric_limits<oskit_size_t>::max() / count) return nullptr;
    ComPtr<RecycledPool> pool = make<RecycledPool>(count, size);
    if (!pool || !pool->fill()) return nullptr;  // the destructor frees what was made
    return pool;
  }

  OSKIT_COMDECL alloc(oskit_size_t size, oskit_bufio** out_buf) noexcept override {
    if (out_buf == nullptr) return OSKIT_E_POINTER;
    *out_buf = nullptr;
    if (size > size_) return OSKIT_EINVAL;
    Slot* slot;
    {
      MutexLock lock(&mu_);
      if (free_.empty()) return OSKIT_EAGAIN;
      slot = &free_.front();
      free_.pop_front();
    }
    addref();  // a buffer out keeps its pool
    slot->io->addref();
    *out_buf = slot->io;
    return 0;
  }

  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    oskit_u64_t free_buffers;
    {
      MutexLock lock(&mu_);
      free_buffers = free_.size();
    }
    char detail[64];
    absl::SNPrintF(detail, sizeof detail, "%u buffers of %u bytes", count_, size_);
    return describe_to(
        sink, [&](Description& d) { d.kind("recycled_bufio_pool", detail).counter("free_buffers", free_buffers); });
  }

 protected:
  RecycledPool(oskit_size_t count, oskit_size_t size) noexcept : count_(count), size_(size) {}
  ~RecycledPool() override {
    {
      MutexLock lock(&mu_);
      free_.clear();  // every buffer is back: each one out holds a reference to the pool
    }
    for (oskit_size_t i = 0; i < made_; i++) {
      retire_recyclable_bufio(slots_[i].io);
      slots_[i].~Slot();
    }
    if (slots_ != nullptr) oskit_heap_free(slots_, count_ * sizeof(Slot), alignof(Slot));
    if (slab_ != nullptr) oskit_heap_free(slab_, count_ * size_, kAlign);
  }

 private:
  static constexpr oskit_size_t kAlign = 64;

  bool fill() noexcept {
    slab_ = static_cast<char*>(oskit_heap_alloc_tagged(count_ * size_, kAlign, "recycled pool buffers"));
    slots_ = static_cast<Slot*>(oskit_heap_alloc_tagged(count_ * sizeof(Slot), alignof(Slot), "recycled pool slots"));
    if (slab_ == nullptr || slots_ == nullptr) return false;
    std::memset(slab_, 0, count_ * size_);  // a buffer's first user finds zeros, later ones what was left
    for (; made_ < count_; made_++) {
      Storage* storage = Storage::external(slab_ + made_ * size_, size_, nullptr, nullptr);
      oskit_bufio* io = storage != nullptr ? make_recyclable_bufio(storage, size_, this, made_) : nullptr;
      if (io == nullptr) {
        if (storage != nullptr) Storage::discard_external(storage);
        return false;
      }
      Slot* slot = new (&slots_[made_]) Slot;
      slot->io = io;
      MutexLock lock(&mu_);
      free_.push_front(*slot);
    }
    return true;
  }

  // A buffer's last user reference went: it is free again.
  void recycle(std::size_t slot) noexcept override {
    {
      MutexLock lock(&mu_);
      free_.push_front(slots_[slot]);
    }
    release();
  }

  const oskit_size_t count_;
  const oskit_size_t size_;
  char* slab_ = nullptr;
  Slot* slots_ = nullptr;
  oskit_size_t made_ = 0;
  Mutex mu_;
  boost::intrusive::slist<Slot> free_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

oskit_error_t make_recycled_pool(oskit_size_t count, oskit_size_t size, ComPtr<oskit_bufio_pool>* out) noexcept {
  out->reset();
  if (count == 0 || size == 0) return OSKIT_EINVAL;
  *out = RecycledPool::create(count, size);
  return *out ? 0 : OSKIT_ENOMEM;
}

}  // namespace oskit::bufio
