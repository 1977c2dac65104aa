#include "components/membufio/membufio.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "oskit/com/implements.h"
#include "oskit/io/copy.h"
#include "oskit/io/range.h"
#include "oskit/sync/mutex.h"

namespace oskit {
namespace {

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

// Sizes past the offset type's range cannot be described by getsize.
constexpr oskit_size_t kMaxSize = static_cast<oskit_size_t>(std::numeric_limits<oskit_off_t>::max());

char* allocate_zeroed(oskit_size_t size) noexcept {
  if (size > kMaxSize) return nullptr;
  char* p = static_cast<char*>(oskit_heap_alloc_tagged(size ? size : 1, alignof(std::max_align_t), "bufio data"));
  if (p) std::memset(p, 0, size);
  return p;
}

MemoryBufio::MemoryBufio(char* data, oskit_size_t size, Memory memory, FreeFn free, void* cookie) noexcept
    : data_(data), size_(size), memory_(memory), free_(free), cookie_(cookie) {}

MemoryBufio::~MemoryBufio() {
  if (owns_memory()) {
    oskit_heap_free(data_, size_ ? size_ : 1, alignof(std::max_align_t));
  } else if (free_ != nullptr) {
    free_(cookie_, data_);
  }
}

ComPtr<oskit_bufio> MemoryBufio::create(oskit_size_t size) noexcept {
  char* data = allocate_zeroed(size);
  if (data == nullptr) return nullptr;
  ComPtr<MemoryBufio> io = make<MemoryBufio>(data, size, Memory::kOwned, nullptr, nullptr);
  if (!io) oskit_heap_free(data, size ? size : 1, alignof(std::max_align_t));
  return io;
}

ComPtr<oskit_bufio> MemoryBufio::create_extern(void* buf, oskit_size_t size, FreeFn free, void* cookie) noexcept {
  if ((buf == nullptr && size != 0) || size > kMaxSize) return nullptr;
  return make<MemoryBufio>(static_cast<char*>(buf), size, Memory::kExternal, free, cookie);
}

OSKIT_COMDECL MemoryBufio::read(void* buf, oskit_off_t offset, oskit_size_t amount,
                                oskit_size_t* out_actual) noexcept {
  if (out_actual == nullptr || (buf == nullptr && amount != 0)) return OSKIT_E_POINTER;
  oskit_size_t n;
  oskit_error_t rc = clamp_transfer(offset, amount, static_cast<oskit_off_t>(size_), &n);
  if (rc == 0) copy_bytes(buf, data_ + offset, n);
  *out_actual = n;
  return rc;
}

OSKIT_COMDECL MemoryBufio::write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                                 oskit_size_t* out_actual) noexcept {
  if (out_actual == nullptr || (buf == nullptr && amount != 0)) return OSKIT_E_POINTER;
  oskit_size_t n;
  oskit_error_t rc = clamp_transfer(offset, amount, static_cast<oskit_off_t>(size_), &n);
  if (rc == 0) copy_bytes(data_ + offset, buf, n);
  *out_actual = n;
  return rc;
}

OSKIT_COMDECL MemoryBufio::getsize(oskit_off_t* out_size) noexcept {
  if (out_size == nullptr) return OSKIT_E_POINTER;
  *out_size = static_cast<oskit_off_t>(size_);
  return 0;
}

OSKIT_COMDECL MemoryBufio::setsize(oskit_off_t new_size) noexcept {
  if (!owns_memory()) return OSKIT_E_NOTIMPL;
  if (new_size < 0) return OSKIT_EINVAL;
  MutexLock lock(&mu_);
  if (!mappings_.empty()) return OSKIT_EBUSY;
  const auto size = static_cast<oskit_size_t>(new_size);
  if (size == size_) return 0;
  char* data = allocate_zeroed(size);
  if (data == nullptr) return OSKIT_ENOMEM;
  std::memcpy(data, data_, std::min(size, size_));
  oskit_heap_free(data_, size_ ? size_ : 1, alignof(std::max_align_t));
  data_ = data;
  size_ = size;
  return 0;
}

OSKIT_COMDECL MemoryBufio::map(void** out_addr, oskit_off_t offset, oskit_size_t amount) noexcept {
  if (out_addr == nullptr) return OSKIT_E_POINTER;
  *out_addr = nullptr;
  oskit_size_t n;
  oskit_error_t rc = clamp_transfer(offset, amount, static_cast<oskit_off_t>(size_), &n);
  if (rc != 0) return rc;
  if (n != amount || amount == 0) return OSKIT_EINVAL;
  MutexLock lock(&mu_);
  mappings_.push_back({data_ + offset, offset, amount});
  *out_addr = data_ + offset;
  return 0;
}

OSKIT_COMDECL MemoryBufio::unmap(void* addr, oskit_off_t offset, oskit_size_t amount) noexcept {
  MutexLock lock(&mu_);
  auto it = std::find_if(mappings_.begin(), mappings_.end(), [&](const Mapping& m) {
    return m.addr == addr && m.offset == offset && m.amount == amount;
  });
  if (it == mappings_.end()) return OSKIT_EINVAL;
  mappings_.erase(it);
  return 0;
}

OSKIT_COMDECL MemoryBufio::wire(oskit_addr_t* out_phys_addr, oskit_off_t, oskit_size_t) noexcept {
  if (out_phys_addr != nullptr) *out_phys_addr = 0;
  return OSKIT_E_NOTIMPL;
}

OSKIT_COMDECL MemoryBufio::unwire(oskit_addr_t, oskit_off_t, oskit_size_t) noexcept { return OSKIT_E_NOTIMPL; }

OSKIT_COMDECL MemoryBufio::copy(oskit_off_t offset, oskit_size_t amount, oskit_bufio** out_io) noexcept {
  if (out_io == nullptr) return OSKIT_E_POINTER;
  *out_io = nullptr;
  oskit_size_t n;
  oskit_error_t rc = clamp_transfer(offset, amount, static_cast<oskit_off_t>(size_), &n);
  if (rc != 0) return rc;
  if (n != amount) return OSKIT_EINVAL;
  ComPtr<oskit_bufio> dup = create(amount);
  if (!dup) return OSKIT_ENOMEM;
  oskit_size_t copied;
  rc = dup->write(data_ + offset, 0, amount, &copied);
  if (rc != 0) return rc;
  *out_io = dup.detach();
  return 0;
}

// The heap as a pool: any size, a new buffer each time.
class HeapPool : public Implements<HeapPool, oskit_bufio_pool> {
 public:
  OSKIT_COMDECL alloc(oskit_size_t size, oskit_bufio** out_buf) noexcept override {
    if (out_buf == nullptr) return OSKIT_E_POINTER;
    *out_buf = MemoryBufio::create(size).detach();
    return *out_buf != nullptr ? 0 : OSKIT_ENOMEM;
  }

 protected:
  HeapPool() = default;
  ~HeapPool() override = default;
};

}  // namespace
}  // namespace oskit

extern "C" oskit_error_t oskit_bufio_heap_pool_create(oskit_bufio_pool_t** out_pool) {
  if (out_pool == nullptr) return OSKIT_E_POINTER;
  *out_pool = oskit::make<oskit::HeapPool>().detach();
  return *out_pool != nullptr ? 0 : OSKIT_ENOMEM;
}

extern "C" oskit_bufio_t* oskit_bufio_create(oskit_size_t size) {
  return oskit::MemoryBufio::create(size).detach();
}

extern "C" oskit_bufio_t* oskit_create_extern_bufio(void* buf, oskit_size_t size, void (*free)(void*, void*),
                                                   void* cookie) {
  return oskit::MemoryBufio::create_extern(buf, size, free, cookie).detach();
}
