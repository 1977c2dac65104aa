#include "glue/bufio/memory_bufio.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_format.h"
#include "glue/bufio/storage.h"
#include "glue/dma/dma.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/io/copy.h"
#include "oskit/io/range.h"
#include "oskit/sync/mutex.h"

namespace oskit::bufio {
namespace {

// Copy-on-write needs a gate on heap storage: reads and writes hold it
// (an atomic count, no lock) while they touch the bytes, and a section that
// replaces the storage or starts sharing it (under mu_) closes it and waits
// for them to leave. Storage of other kinds never moves, so their I/O takes no
// gate at all.
class MemoryBufio : public Implements<MemoryBufio, oskit_bufio, oskit_absio, oskit_blkio, oskit_describe> {
 public:
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
  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override;

 protected:
  MemoryBufio(Storage* storage, char* data, oskit_size_t size) noexcept
      : gated_(storage->shareable()), storage_(storage), data_(data), size_(size) {}
  ~MemoryBufio() override;

  // Ends every wiring and mapping still in effect, as the last release does.
  void end_wirings_and_mappings() noexcept;

 private:
  struct Mapping {
    void* addr;
    oskit_off_t offset;
    oskit_size_t amount;
  };
  struct Wiring {
    oskit_addr_t addr;
    oskit_off_t offset;
    oskit_size_t amount;
  };

  // Holds the gate for one read or write.
  class Io {
   public:
    Io(MemoryBufio* io, bool write) noexcept : io_(io), rc_(io->enter(write)) {}
    ~Io() {
      if (rc_ == 0) io_->leave();
    }
    oskit_error_t error() const noexcept { return rc_; }

   private:
    MemoryBufio* const io_;
    const oskit_error_t rc_;
  };

  oskit_error_t enter(bool write) noexcept;
  void leave() noexcept;
  template <class F>
  void exclusive(F&& change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  oskit_error_t replace_storage(oskit_size_t size) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  oskit_error_t unshare() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  oskit_error_t resize_in_place(oskit_size_t size) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool whole_range(oskit_off_t offset, oskit_size_t amount) const noexcept;
  bool overlaps_wiring(oskit_off_t offset, oskit_size_t amount) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  oskit_error_t wiring_space(oskit_dma_space** out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ComPtr<oskit_bufio> share(oskit_off_t offset, oskit_size_t amount) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ComPtr<oskit_bufio> duplicate(oskit_off_t offset, oskit_size_t amount) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Storage* storage() const noexcept { return storage_.load(std::memory_order_relaxed); }
  char* data() const noexcept { return data_.load(std::memory_order_relaxed); }
  oskit_size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

  const bool gated_;
  std::atomic<Storage*> storage_;
  std::atomic<char*> data_;  // where this object's bytes begin in its storage
  std::atomic<oskit_size_t> size_;
  std::atomic<int> active_{0};  // reads and writes inside the gate
  std::atomic<bool> closed_{false};
  Mutex mu_;
  absl::InlinedVector<Mapping, 2> mappings_ ABSL_GUARDED_BY(mu_);
  absl::InlinedVector<Wiring, 2> wirings_ ABSL_GUARDED_BY(mu_);
  ComPtr<oskit_dma_space> default_space_ ABSL_GUARDED_BY(mu_);  // where storage of no space is wired
};

MemoryBufio::~MemoryBufio() {
  end_wirings_and_mappings();
  storage()->unref();
}

void MemoryBufio::end_wirings_and_mappings() noexcept {
  MutexLock lock(&mu_);
  if (!wirings_.empty()) {
    oskit_dma_space* space = storage()->space() != nullptr ? storage()->space() : default_space_.get();
    for (const Wiring& w : wirings_) space->unwire(w.addr, w.amount);
  }
  wirings_.clear();
  mappings_.clear();
}

OSKIT_COMDECL MemoryBufio::describe(const oskit_description_sink* sink) noexcept {
  MutexLock lock(&mu_);
  const Storage* s = storage();
  oskit_dma_space* const space = s->space() != nullptr ? s->space() : default_space_.get();
  const oskit_u64_t mappings = mappings_.size();
  const oskit_u64_t wirings = wirings_.size();
  char detail[96];
  absl::SNPrintF(detail, sizeof detail, "%u bytes%s%s", size(), s->space() != nullptr ? ", pooled for DMA" : "",
                 s->shared() ? ", sharing its bytes copy-on-write" : "");
  return describe_to(sink, [&](Description& d) {
    d.kind("membufio", detail).holds("space", space).counter("mappings", mappings).counter("wirings", wirings);
  });
}

oskit_error_t MemoryBufio::enter(bool write) noexcept {
  if (!gated_) return 0;
  for (;;) {
    active_.fetch_add(1, std::memory_order_seq_cst);
    if (!closed_.load(std::memory_order_seq_cst) && !(write && storage()->shared())) return 0;
    active_.fetch_sub(1, std::memory_order_release);
    MutexLock lock(&mu_);  // waits out a section that closed the gate
    if (write) {
      oskit_error_t rc = unshare();
      if (rc != 0) return rc;
    }
  }
}

void MemoryBufio::leave() noexcept {
  if (gated_) active_.fetch_sub(1, std::memory_order_release);
}

template <class F>
void MemoryBufio::exclusive(F&& change) {
  closed_.store(true, std::memory_order_seq_cst);
  while (active_.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  change();
  closed_.store(false, std::memory_order_seq_cst);
}

oskit_error_t MemoryBufio::replace_storage(oskit_size_t size) {
  Storage* fresh = storage()->for_copy(size);
  if (fresh == nullptr) return OSKIT_ENOMEM;
  Storage* old = storage();
  exclusive([&] {
    const oskit_size_t keep = std::min(size, this->size());
    std::memcpy(fresh->bytes(), data(), keep);
    std::memset(fresh->bytes() + keep, 0, size - keep);
    storage_.store(fresh, std::memory_order_relaxed);
    data_.store(fresh->bytes(), std::memory_order_relaxed);
    size_.store(size, std::memory_order_relaxed);
  });
  old->unref();
  return 0;
}

oskit_error_t MemoryBufio::unshare() { return storage()->shared() ? replace_storage(size()) : 0; }

oskit_error_t MemoryBufio::resize_in_place(oskit_size_t size) {
  const oskit_size_t capacity = storage()->capacity() - static_cast<oskit_size_t>(data() - storage()->bytes());
  if (size > capacity) return OSKIT_EINVAL;
  if (size > this->size()) std::memset(data() + this->size(), 0, size - this->size());
  size_.store(size, std::memory_order_relaxed);
  return 0;
}

bool MemoryBufio::whole_range(oskit_off_t offset, oskit_size_t amount) const noexcept {
  return amount != 0 && valid_range(offset, amount) &&
         range_within(offset, static_cast<oskit_off_t>(amount), static_cast<oskit_off_t>(size()));
}

OSKIT_COMDECL MemoryBufio::read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual) noexcept {
  if (out_actual == nullptr || (buf == nullptr && amount != 0)) return OSKIT_E_POINTER;
  Io io(this, false);
  oskit_size_t n;
  oskit_error_t rc = clamp_transfer(offset, amount, static_cast<oskit_off_t>(size()), &n);
  if (rc == 0) copy_bytes(buf, data() + offset, n);
  *out_actual = n;
  return rc;
}

OSKIT_COMDECL MemoryBufio::write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                                 oskit_size_t* out_actual) noexcept {
  if (out_actual == nullptr || (buf == nullptr && amount != 0)) return OSKIT_E_POINTER;
  *out_actual = 0;
  Io io(this, true);
  if (io.error() != 0) return io.error();
  oskit_size_t n;
  oskit_error_t rc = clamp_transfer(offset, amount, static_cast<oskit_off_t>(size()), &n);
  if (rc == 0) copy_bytes(data() + offset, buf, n);
  *out_actual = n;
  return rc;
}

OSKIT_COMDECL MemoryBufio::getsize(oskit_off_t* out_size) noexcept {
  if (out_size == nullptr) return OSKIT_E_POINTER;
  *out_size = static_cast<oskit_off_t>(size());
  return 0;
}

OSKIT_COMDECL MemoryBufio::setsize(oskit_off_t new_size) noexcept {
  if (storage()->resize() == Resize::kFixed) return OSKIT_E_NOTIMPL;
  if (new_size < 0) return OSKIT_EINVAL;
  MutexLock lock(&mu_);
  if (!mappings_.empty() || !wirings_.empty()) return OSKIT_EBUSY;
  const auto size = static_cast<oskit_size_t>(new_size);
  if (size == this->size()) return 0;
  return storage()->resize() == Resize::kReallocate ? replace_storage(size) : resize_in_place(size);
}

OSKIT_COMDECL MemoryBufio::map(void** out_addr, oskit_off_t offset, oskit_size_t amount) noexcept {
  if (out_addr == nullptr) return OSKIT_E_POINTER;
  *out_addr = nullptr;
  MutexLock lock(&mu_);
  if (!whole_range(offset, amount)) return OSKIT_EINVAL;
  oskit_error_t rc = unshare();  // stores through the mapping must reach this object only
  if (rc != 0) return rc;
  try {
    mappings_.push_back({data() + offset, offset, amount});
  } catch (const std::bad_alloc&) {
    return OSKIT_ENOMEM;
  }
  *out_addr = data() + offset;
  return 0;
}

OSKIT_COMDECL MemoryBufio::unmap(void* addr, oskit_off_t offset, oskit_size_t amount) noexcept {
  MutexLock lock(&mu_);
  auto it = std::find_if(mappings_.begin(), mappings_.end(),
                         [&](const Mapping& m) { return m.addr == addr && m.offset == offset && m.amount == amount; });
  if (it == mappings_.end()) return OSKIT_EINVAL;
  mappings_.erase(it);
  return 0;
}

bool MemoryBufio::overlaps_wiring(oskit_off_t offset, oskit_size_t amount) const {
  const auto end = static_cast<oskit_off_t>(offset + amount);
  return std::any_of(wirings_.begin(), wirings_.end(), [&](const Wiring& w) {
    return offset < w.offset + static_cast<oskit_off_t>(w.amount) && w.offset < end;
  });
}

oskit_error_t MemoryBufio::wiring_space(oskit_dma_space** out) {
  if (storage()->space() != nullptr) {
    *out = storage()->space();
    return 0;
  }
  if (!default_space_) {
    oskit_error_t rc = oskit_dma_default_space(default_space_.put());
    if (rc != 0) return rc;
  }
  *out = default_space_.get();
  return 0;
}

OSKIT_COMDECL MemoryBufio::wire(oskit_addr_t* out_phys_addr, oskit_off_t offset, oskit_size_t amount) noexcept {
  if (out_phys_addr == nullptr) return OSKIT_E_POINTER;
  *out_phys_addr = 0;
  MutexLock lock(&mu_);
  if (!whole_range(offset, amount)) return OSKIT_EINVAL;
  if (overlaps_wiring(offset, amount)) return OSKIT_EBUSY;
  oskit_error_t rc = unshare();  // the device may write: the bytes must be this object's alone
  oskit_dma_space* space = nullptr;
  if (rc == 0) rc = wiring_space(&space);
  oskit_addr_t addr = 0;
  if (rc == 0) rc = space->wire(data() + offset, amount, &addr);
  if (rc != 0) return rc;
  try {
    wirings_.push_back({addr, offset, amount});
  } catch (const std::bad_alloc&) {
    space->unwire(addr, amount);
    return OSKIT_ENOMEM;
  }
  *out_phys_addr = addr;
  return 0;
}

OSKIT_COMDECL MemoryBufio::unwire(oskit_addr_t phys_addr, oskit_off_t offset, oskit_size_t amount) noexcept {
  MutexLock lock(&mu_);
  auto it = std::find_if(wirings_.begin(), wirings_.end(), [&](const Wiring& w) {
    return w.addr == phys_addr && w.offset == offset && w.amount == amount;
  });
  if (it == wirings_.end()) return OSKIT_EINVAL;
  oskit_dma_space* space = nullptr;
  oskit_error_t rc = wiring_space(&space);
  if (rc == 0) rc = space->unwire(phys_addr, amount);  // waits for the device's accesses in progress
  if (rc != 0) return rc;
  wirings_.erase(it);
  return 0;
}

ComPtr<oskit_bufio> MemoryBufio::share(oskit_off_t offset, oskit_size_t amount) {
  Storage* shared = storage();
  exclusive([&] { shared->ref(); });  // writes in progress end first; later ones see it shared
  ComPtr<MemoryBufio> dup = make<MemoryBufio>(shared, data() + offset, amount);
  if (!dup) shared->unref();
  return dup;
}

ComPtr<oskit_bufio> MemoryBufio::duplicate(oskit_off_t offset, oskit_size_t amount) {
  Storage* fresh = storage()->for_copy(amount);
  if (fresh == nullptr) return nullptr;
  std::memcpy(fresh->bytes(), data() + offset, amount);
  ComPtr<oskit_bufio> dup = make_memory_bufio(fresh, amount);
  if (!dup) fresh->unref();
  return dup;
}

OSKIT_COMDECL MemoryBufio::copy(oskit_off_t offset, oskit_size_t amount, oskit_bufio** out_io) noexcept {
  if (out_io == nullptr) return OSKIT_E_POINTER;
  *out_io = nullptr;
  MutexLock lock(&mu_);
  oskit_size_t n;
  oskit_error_t rc = clamp_transfer(offset, amount, static_cast<oskit_off_t>(size()), &n);
  if (rc != 0) return rc;
  if (n != amount) return OSKIT_EINVAL;
  // Mapped or wired bytes may change behind the gate's back: those are copied now.
  const bool may_share = gated_ && mappings_.empty() && wirings_.empty();
  ComPtr<oskit_bufio> dup = may_share ? share(offset, amount) : duplicate(offset, amount);
  if (!dup) return OSKIT_ENOMEM;
  *out_io = dup.detach();
  return 0;
}

// A memory bufio that its recycler keeps: the recycler holds one reference
// for the object's whole life, which the counts addref and release return
// leave out, so users see an object that goes at zero. When the last other
// reference goes, the object ends its wirings and mappings and goes to the
// recycler instead of being destroyed.
class RecyclableBufio : public MemoryBufio {
 public:
  OSKIT_COMDECL_U addref() noexcept override { return MemoryBufio::addref() - 1; }
  OSKIT_COMDECL_U release() noexcept override {
    BufioRecycler* const recycler = recycler_;  // this is another user's once recycled
    const std::size_t slot = slot_;
    const oskit_u32_t left = MemoryBufio::release();
    if (left == 1) {
      end_wirings_and_mappings();
      recycler->recycle(slot);
    }
    return left - 1;
  }
  // Drops the recycler's reference: the object goes.
  void retire() noexcept { MemoryBufio::release(); }

 protected:
  RecyclableBufio(Storage* storage, oskit_size_t size, BufioRecycler* recycler, std::size_t slot) noexcept
      : MemoryBufio(storage, storage->bytes(), size), recycler_(recycler), slot_(slot) {}
  ~RecyclableBufio() override = default;

 private:
  BufioRecycler* const recycler_;
  const std::size_t slot_;
};

}  // namespace

ComPtr<oskit_bufio> make_memory_bufio(Storage* storage, oskit_size_t size) noexcept {
  return make<MemoryBufio>(storage, storage->bytes(), size);
}

oskit_bufio* make_recyclable_bufio(Storage* storage, oskit_size_t size, BufioRecycler* recycler,
                                   std::size_t slot) noexcept {
  return make<RecyclableBufio>(storage, size, recycler, slot).detach();
}

void retire_recyclable_bufio(oskit_bufio* io) noexcept { static_cast<RecyclableBufio*>(io)->retire(); }

}  // namespace oskit::bufio
