#include "components/subset/subset.h"

#include <atomic>

#include "absl/strings/str_format.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/io/absio.h"
#include "oskit/io/range.h"

namespace oskit {
namespace {

class Subset : public Implements<Subset, oskit_blkio, oskit_absio, oskit_describe> {
 public:
  OSKIT_COMDECL_U getblocksize() noexcept override { return block_size_; }

  OSKIT_COMDECL read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual) noexcept override {
    oskit_error_t rc = prepare(buf, offset, &amount, out_actual);
    if (rc != 0 || amount == 0) return rc;
    reads_.fetch_add(1, std::memory_order_relaxed);
    return target_->read(buf, base_ + offset, amount, out_actual);
  }

  OSKIT_COMDECL write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                      oskit_size_t* out_actual) noexcept override {
    oskit_error_t rc = prepare(buf, offset, &amount, out_actual);
    if (rc != 0 || amount == 0) return rc;
    writes_.fetch_add(1, std::memory_order_relaxed);
    return target_->write(buf, base_ + offset, amount, out_actual);
  }

  OSKIT_COMDECL getsize(oskit_off_t* out_size) noexcept override {
    if (out_size == nullptr) return OSKIT_E_POINTER;
    *out_size = size_;
    return 0;
  }

  OSKIT_COMDECL setsize(oskit_off_t) noexcept override { return OSKIT_E_NOTIMPL; }

  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    char detail[96];
    absl::SNPrintF(detail, sizeof detail, "bytes %d+%d, %u-byte blocks", base_, size_, block_size_);
    return describe_to(sink, [&](Description& d) {
      d.kind("subset", detail).holds("whole", target_).counter("reads", reads_).counter("writes", writes_);
    });
  }

  bool exports(const oskit_guid& iid) const noexcept { return blkio_exports(iid, block_size_); }

 protected:
  Subset(oskit_blkio* target, oskit_u32_t block_size, oskit_off_t base, oskit_off_t size) noexcept
      : target_(ComPtr<oskit_blkio>::copy(target)), block_size_(block_size), base_(base), size_(size) {}
  ~Subset() override = default;

 private:
  // Checks and clamps a request; *amount is reduced to what lies in the window.
  oskit_error_t prepare(const void* buf, oskit_off_t offset, oskit_size_t* amount,
                        oskit_size_t* out_actual) const noexcept {
    const oskit_error_t rc = check_block_transfer_args(buf, offset, *amount, out_actual, block_size_);
    if (rc != 0) return rc;
    return clamp_transfer(offset, *amount, size_, amount);
  }

  const ComPtr<oskit_blkio> target_;
  const oskit_u32_t block_size_;
  const oskit_off_t base_;
  const oskit_off_t size_;
  std::atomic<oskit_u64_t> reads_{0};  // requests passed to the whole
  std::atomic<oskit_u64_t> writes_{0};
};

}  // namespace
}  // namespace oskit

extern "C" oskit_error_t oskit_blkio_subset(oskit_blkio_t* io, oskit_off_t offset, oskit_off_t size,
                                            oskit_blkio_t** out_io) {
  if (out_io == nullptr) return OSKIT_E_POINTER;
  *out_io = nullptr;
  if (io == nullptr) return OSKIT_E_POINTER;
  const oskit_u32_t bs = oskit_blkio_getblocksize(io);
  if (!oskit::is_power_of_two(bs) || offset < 0 || size < 0) return OSKIT_EINVAL;
  if (!oskit::block_aligned(offset, static_cast<oskit_size_t>(size), bs)) return OSKIT_EINVAL;
  oskit_off_t whole = 0;
  oskit_error_t rc = oskit_blkio_getsize(io, &whole);
  if (rc != 0) return rc;
  if (!oskit::range_within(offset, size, whole)) return OSKIT_EINVAL;
  oskit::ComPtr<oskit_blkio> sub = oskit::make<oskit::Subset>(io, bs, offset, size);
  if (!sub) return OSKIT_ENOMEM;
  *out_io = sub.detach();
  return 0;
}
