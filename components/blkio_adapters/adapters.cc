#include "components/blkio_adapters/adapters.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>

#include "absl/strings/str_format.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/io/range.h"
#include "oskit/sync/mutex.h"

namespace oskit {
namespace {

bool valid_block_size(oskit_u32_t bs) { return is_power_of_two(bs) && bs <= OSKIT_ADAPTER_MAX_BLOCK_SIZE; }

// A block-sized scratch buffer: on the stack for common sizes, beyond them
// from the object heap (the environment's memory).
class Bounce {
 public:
  explicit Bounce(oskit_u32_t size) noexcept : size_(size) {
    data_ =
        size > sizeof local_ ? static_cast<char*>(oskit_heap_alloc_tagged(size, 64, "blkio adapter bounce")) : local_;
  }
  ~Bounce() {
    if (data_ != local_) oskit_heap_free(data_, size_, 64);
  }
  Bounce(const Bounce&) = delete;
  Bounce& operator=(const Bounce&) = delete;
  char* get() const { return data_; }

 private:
  alignas(64) char local_[4096];
  const oskit_u32_t size_;
  char* data_;
};

// The absio adapter (components/blkio_adapters/adapters.h).
class AbsioOverBlkio : public Implements<AbsioOverBlkio, oskit_absio, oskit_blkio, oskit_describe> {
 public:
  OSKIT_COMDECL_U getblocksize() noexcept override { return 1; }
  OSKIT_COMDECL read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                      oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL getsize(oskit_off_t* out_size) noexcept override { return target_->getsize(out_size); }
  OSKIT_COMDECL setsize(oskit_off_t new_size) noexcept override;
  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    char detail[48];
    absl::SNPrintF(detail, sizeof detail, "bytes over %u-byte blocks", block_size_);
    return describe_to(sink, [&](Description& d) {
      d.kind("absio_adapter", detail).holds("blocks", target_).counter("read_modify_writes", read_modify_writes_);
    });
  }

 protected:
  AbsioOverBlkio(oskit_blkio* target, oskit_u32_t block_size) noexcept
      : target_(ComPtr<oskit_blkio>::copy(target)), block_size_(block_size) {}
  ~AbsioOverBlkio() override = default;

 private:
  static constexpr int kStripes = 64;

  // Moves amount bytes at offset (not block-aligned) block by block: each run
  // of whole blocks through whole(at, done, run, &moved), each partial block
  // through partial(bounce, at, done, n), where done is the count moved before
  // and bounce a block-sized scratch buffer. Stops at the first error or short
  // run. Data before a failure is a short transfer; nothing moved gives the
  // error, or nothing_moved when there was none (the end).
  template <class WholeBlocks, class PartialBlock>
  oskit_error_t transfer_by_blocks(oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual,
                                   oskit_error_t nothing_moved, WholeBlocks whole, PartialBlock partial) noexcept;
  // Reads the block at block_offset into bounce (block_size_ bytes).
  oskit_error_t read_block(char* bounce, oskit_off_t block_offset) noexcept;
  // Read-modify-write of n bytes at offset inside one block.
  oskit_error_t patch_block(char* bounce, const char* src, oskit_off_t offset, oskit_size_t n) noexcept;
  Mutex* stripe(oskit_off_t block_offset) noexcept {
    return &stripes_[static_cast<std::uint64_t>(block_offset / block_size_) % kStripes];
  }

  const ComPtr<oskit_blkio> target_;
  const oskit_u32_t block_size_;
  Mutex stripes_[kStripes];
  std::atomic<oskit_u64_t> read_modify_writes_{0};  // partial blocks written
};

// The blkio adapter: checks and forwards; writes first read the target's size
// to clamp.
class BlkioOverAbsio : public Implements<BlkioOverAbsio, oskit_blkio, oskit_absio, oskit_describe> {
 public:
  OSKIT_COMDECL_U getblocksize() noexcept override { return block_size_; }
  OSKIT_COMDECL read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                      oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL getsize(oskit_off_t* out_size) noexcept override;
  OSKIT_COMDECL setsize(oskit_off_t new_size) noexcept override;
  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    char detail[48];
    absl::SNPrintF(detail, sizeof detail, "%u-byte blocks over bytes", block_size_);
    return describe_to(sink, [&](Description& d) { d.kind("blkio_adapter", detail).holds("bytes", target_); });
  }
  bool exports(const oskit_guid& iid) const noexcept { return blkio_exports(iid, block_size_); }

 protected:
  BlkioOverAbsio(oskit_absio* target, oskit_u32_t block_size) noexcept
      : target_(ComPtr<oskit_absio>::copy(target)), block_size_(block_size) {}
  ~BlkioOverAbsio() override = default;

 private:
  const ComPtr<oskit_absio> target_;
  const oskit_u32_t block_size_;
};

template <class WholeBlocks, class PartialBlock>
oskit_error_t AbsioOverBlkio::transfer_by_blocks(oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual,
                                                 oskit_error_t nothing_moved, WholeBlocks whole,
                                                 PartialBlock partial) noexcept {
  Bounce bounce(block_size_);
  if (bounce.get() == nullptr) return OSKIT_ENOMEM;
  const oskit_off_t mask = block_size_ - 1;
  oskit_size_t done = 0;
  oskit_error_t rc = 0;
  while (done < amount) {
    const oskit_off_t at = offset + static_cast<oskit_off_t>(done);
    const oskit_size_t left = amount - done;
    const oskit_off_t within = at & mask;
    if (within == 0 && left >= block_size_) {
      const oskit_size_t run = round_down_to_block(left, block_size_);
      oskit_size_t moved = 0;
      rc = whole(at, done, run, &moved);
      if (rc != 0) break;
      done += moved;
      if (moved < run) break;  // the end
      continue;
    }
    oskit_size_t n = block_size_ - static_cast<oskit_size_t>(within);
    if (n > left) n = left;
    rc = partial(bounce.get(), at, done, n);
    if (rc != 0) break;
    done += n;
  }
  if (done == 0) return rc != 0 ? rc : nothing_moved;
  *out_actual = done;
  return 0;
}

oskit_error_t AbsioOverBlkio::read_block(char* bounce, oskit_off_t block_offset) noexcept {
  oskit_size_t got = 0;
  oskit_error_t rc = target_->read(bounce, block_offset, block_size_, &got);
  if (rc != 0) return rc;
  return got == block_size_ ? 0 : OSKIT_EINVAL;  // nothing there: past the end
}

oskit_error_t AbsioOverBlkio::patch_block(char* bounce, const char* src, oskit_off_t offset, oskit_size_t n) noexcept {
  const oskit_off_t block = round_down_to_block(offset, block_size_);
  MutexLock lock(stripe(block));
  read_modify_writes_.fetch_add(1, std::memory_order_relaxed);
  oskit_error_t rc = read_block(bounce, block);
  if (rc != 0) return rc;
  std::memcpy(bounce + (offset - block), src, n);
  oskit_size_t put = 0;
  rc = target_->write(bounce, block, block_size_, &put);
  if (rc != 0) return rc;
  return put == block_size_ ? 0 : OSKIT_EIO;
}

OSKIT_COMDECL AbsioOverBlkio::read(void* buf, oskit_off_t offset, oskit_size_t amount,
                                   oskit_size_t* out_actual) noexcept {
  oskit_error_t rc = check_transfer_args(buf, offset, amount, out_actual);
  if (rc != 0 || amount == 0) return rc;
  if (block_aligned(offset, amount, block_size_)) return target_->read(buf, offset, amount, out_actual);
  // No size lookup: the target's own end check stops the transfer. Whole
  // blocks go straight into the caller's buffer.
  char* const dst = static_cast<char*>(buf);
  return transfer_by_blocks(
      offset, amount, out_actual, OSKIT_EINVAL,
      [&](oskit_off_t at, oskit_size_t done, oskit_size_t run, oskit_size_t* got) {
        return target_->read(dst + done, at, run, got);
      },
      [&](char* bounce, oskit_off_t at, oskit_size_t done, oskit_size_t n) {
        const oskit_off_t block = round_down_to_block(at, block_size_);
        const oskit_error_t read_rc = read_block(bounce, block);
        if (read_rc == 0) std::memcpy(dst + done, bounce + (at - block), n);
        return read_rc;
      });
}

OSKIT_COMDECL AbsioOverBlkio::write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                                    oskit_size_t* out_actual) noexcept {
  oskit_error_t rc = check_transfer_args(buf, offset, amount, out_actual);
  if (rc != 0 || amount == 0) return rc;
  // Clamp first: a write never grows the target, even one that would.
  oskit_off_t size = 0;
  rc = target_->getsize(&size);
  if (rc != 0) return rc;
  rc = clamp_transfer(offset, amount, size, &amount);
  if (rc != 0) return rc;
  if (block_aligned(offset, amount, block_size_)) return target_->write(buf, offset, amount, out_actual);
  const char* const src = static_cast<const char*>(buf);
  return transfer_by_blocks(
      offset, amount, out_actual, OSKIT_EIO,
      [&](oskit_off_t at, oskit_size_t done, oskit_size_t run, oskit_size_t* put) {
        return target_->write(src + done, at, run, put);
      },
      [&](char* bounce, oskit_off_t at, oskit_size_t done, oskit_size_t n) {
        return patch_block(bounce, src + done, at, n);
      });
}

// A size that is not a whole number of blocks is refused before the target
// is asked anything: a refused call changes nothing.
OSKIT_COMDECL AbsioOverBlkio::setsize(oskit_off_t new_size) noexcept {
  if (new_size < 0 || !block_aligned(new_size, 0, block_size_)) return OSKIT_EINVAL;
  return target_->setsize(new_size);
}

OSKIT_COMDECL BlkioOverAbsio::read(void* buf, oskit_off_t offset, oskit_size_t amount,
                                   oskit_size_t* out_actual) noexcept {
  oskit_error_t rc = check_block_transfer_args(buf, offset, amount, out_actual, block_size_);
  if (rc != 0 || amount == 0) return rc;
  oskit_size_t got = 0;
  rc = target_->read(buf, offset, amount, &got);
  if (rc != 0) return rc;
  got = round_down_to_block(got, block_size_);
  if (got == 0) return OSKIT_EINVAL;  // only a partial block was left: past our end
  *out_actual = got;
  return 0;
}

OSKIT_COMDECL BlkioOverAbsio::write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                                    oskit_size_t* out_actual) noexcept {
  oskit_error_t rc = check_block_transfer_args(buf, offset, amount, out_actual, block_size_);
  if (rc != 0 || amount == 0) return rc;
  oskit_off_t size = 0;
  rc = getsize(&size);
  if (rc != 0) return rc;
  rc = clamp_transfer(offset, amount, size, &amount);
  if (rc != 0) return rc;
  oskit_size_t put = 0;
  rc = target_->write(buf, offset, amount, &put);
  put = round_down_to_block(put, block_size_);
  if (put == 0 && rc != 0) return rc;
  *out_actual = put;
  return 0;
}

OSKIT_COMDECL BlkioOverAbsio::getsize(oskit_off_t* out_size) noexcept {
  if (out_size == nullptr) return OSKIT_E_POINTER;
  oskit_off_t size = 0;
  oskit_error_t rc = target_->getsize(&size);
  if (rc != 0) return rc;
  *out_size = round_down_to_block(size, block_size_);
  return 0;
}

OSKIT_COMDECL BlkioOverAbsio::setsize(oskit_off_t new_size) noexcept {
  if (new_size < 0 || round_down_to_block(new_size, block_size_) != new_size) return OSKIT_EINVAL;
  return target_->setsize(new_size);
}

}  // namespace
}  // namespace oskit

extern "C" oskit_error_t oskit_absio_adapter_create(oskit_blkio_t* io, oskit_absio_t** out_io) {
  if (out_io == nullptr) return OSKIT_E_POINTER;
  *out_io = nullptr;
  if (io == nullptr) return OSKIT_E_POINTER;
  const oskit_u32_t bs = oskit_blkio_getblocksize(io);
  if (!oskit::valid_block_size(bs)) return OSKIT_EINVAL;
  oskit::ComPtr<oskit_absio> a = oskit::make<oskit::AbsioOverBlkio>(io, bs);
  if (!a) return OSKIT_ENOMEM;
  *out_io = a.detach();
  return 0;
}

extern "C" oskit_error_t oskit_blkio_adapter_create(oskit_absio_t* io, oskit_u32_t block_size, oskit_blkio_t** out_io) {
  if (out_io == nullptr) return OSKIT_E_POINTER;
  *out_io = nullptr;
  if (io == nullptr) return OSKIT_E_POINTER;
  if (!oskit::valid_block_size(block_size)) return OSKIT_EINVAL;
  oskit::ComPtr<oskit_blkio> b = oskit::make<oskit::BlkioOverAbsio>(io, block_size);
  if (!b) return OSKIT_ENOMEM;
  *out_io = b.detach();
  return 0;
}
