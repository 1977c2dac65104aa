#include "glue/bufio/recycled_pool.h"

#include <cstddef>
#include <limits>

#include <boost/intrusive/slist.hpp>

#include "glue/bufio/memory_bufio.h"

namespace oskit::bufio {
namespace {

class RecycledPool;

// A buffer of the pool. The pool holds one reference to each buffer for its
// whole life; when every other reference is gone the buffer goes back on the
// free list instead of being destroyed. The counts addref and release return
// leave the pool's reference out: users see an object that goes at zero.
class PooledBufio : public MemoryBufio {
 public:
  OSKIT_COMDECL_U addref() noexcept override { return MemoryBufio::addref() - 1; }
  OSKIT_COMDECL_U release() noexcept override;

  boost::intrusive::slist_member_hook<> free_hook;
  RecycledPool* pool = nullptr;

 protected:
  PooledBufio(char* data, oskit_size_t size) noexcept : MemoryBufio(data, size, Memory::kExternal, nullptr, nullptr) {}
  ~PooledBufio() override = default;
};

class RecycledPool : public Implements<RecycledPool, oskit_bufio_pool> {
 public:
  // count buffers of size bytes each, in one allocation; empty on exhaustion.
  static ComPtr<RecycledPool> create(oskit_size_t count, oskit_size_t size) noexcept {
    if (count == 0 || size == 0 || size > std::numeric_limits<oskit_size_t>::max() / count) return nullptr;
    char* slab = static_cast<char*>(oskit_heap_alloc(count * size, kAlign));
    if (slab == nullptr) return nullptr;
    ComPtr<RecycledPool> pool = make<RecycledPool>(slab, count, size);
    if (!pool) {
      oskit_heap_free(slab, count * size, kAlign);
      return nullptr;
    }
    for (oskit_size_t i = 0; i < count; i++) {
      ComPtr<PooledBufio> buf = make<PooledBufio>(slab + i * size, size);
      if (!buf) return nullptr;  // the pool's destructor frees what was made
      buf->pool = pool.get();
      MutexLock lock(&pool->mu_);
      pool->free_.push_front(*buf.detach());
    }
    return pool;
  }

  OSKIT_COMDECL alloc(oskit_size_t size, oskit_bufio** out_buf) noexcept override {
    if (out_buf == nullptr) return OSKIT_E_POINTER;
    *out_buf = nullptr;
    if (size > size_) return OSKIT_EINVAL;
    PooledBufio* buf;
    {
      MutexLock lock(&mu_);
      if (free_.empty()) return OSKIT_EAGAIN;
      buf = &free_.front();
      free_.pop_front();
    }
    addref();  // a buffer out keeps its pool
    buf->addref();
    *out_buf = buf;
    return 0;
  }

  // buf's last outside reference went: it is free again.
  void recycle(PooledBufio* buf) noexcept {
    {
      MutexLock lock(&mu_);
      free_.push_front(*buf);
    }
    release();
  }

 protected:
  RecycledPool(char* slab, oskit_size_t count, oskit_size_t size) noexcept : slab_(slab), count_(count), size_(size) {}
  ~RecycledPool() override {
    // Every buffer is back (each one out holds a reference to the pool).
    FreeList buffers;
    {
      MutexLock lock(&mu_);
      buffers.swap(free_);
    }
    buffers.clear_and_dispose([](PooledBufio* buf) { buf->MemoryBufio::release(); });
    oskit_heap_free(slab_, count_ * size_, kAlign);
  }

 private:
  static constexpr oskit_size_t kAlign = 64;
  using FreeList = boost::intrusive::slist<
      PooledBufio,
      boost::intrusive::member_hook<PooledBufio, boost::intrusive::slist_member_hook<>, &PooledBufio::free_hook>>;

  char* const slab_;
  const oskit_size_t count_;
  const oskit_size_t size_;
  Mutex mu_;
  FreeList free_ ABSL_GUARDED_BY(mu_);
};

OSKIT_COMDECL_U PooledBufio::release() noexcept {
  RecycledPool* const owner = pool;  // this may be gone once recycled
  const oskit_u32_t left = MemoryBufio::release();
  if (left == 1 && owner != nullptr) owner->recycle(this);
  return left - 1;
}

}  // namespace

oskit_error_t make_recycled_pool(oskit_size_t count, oskit_size_t size, ComPtr<oskit_bufio_pool>* out) noexcept {
  out->reset();
  if (count == 0 || size == 0) return OSKIT_EINVAL;
  *out = RecycledPool::create(count, size);
  return *out ? 0 : OSKIT_ENOMEM;
}

}  // namespace oskit::bufio
