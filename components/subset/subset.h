// The subset (partition) component: a fixed-size window of another blkio with
// the same block size (oskit_blkio_subset, declared in oskit/io/blkio.h).
// Subsets nest: a subset of a subset is a window of the window.
#ifndef COMPONENTS_SUBSET_SUBSET_H
#define COMPONENTS_SUBSET_SUBSET_H

#include "oskit/com/implements.h"
#include "oskit/io/absio.h"
#include "oskit/io/blkio.h"

namespace oskit {

// Requests are checked against the window (alignment, overflow, bounds; a
// transfer crossing the window's end is clamped to it) and passed down with
// the window's base added. setsize is OSKIT_E_NOTIMPL. With block size 1 it
// also answers absio with the same pointer. Thread-safe as its target is.
class Subset : public Implements<Subset, oskit_blkio, oskit_absio> {
 public:
  OSKIT_COMDECL_U getblocksize() noexcept override { return block_size_; }
  OSKIT_COMDECL read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                      oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL getsize(oskit_off_t* out_size) noexcept override;
  OSKIT_COMDECL setsize(oskit_off_t new_size) noexcept override;

  bool exports(const oskit_guid& iid) const noexcept;

 protected:
  Subset(oskit_blkio* target, oskit_u32_t block_size, oskit_off_t base, oskit_off_t size) noexcept;
  ~Subset() override = default;

 private:
  // Checks and clamps a request; *amount is reduced to what lies in the window.
  oskit_error_t prepare(const void* buf, oskit_off_t offset, oskit_size_t* amount,
                        oskit_size_t* out_actual) const noexcept;

  const ComPtr<oskit_blkio> target_;
  const oskit_u32_t block_size_;
  const oskit_off_t base_;
  const oskit_off_t size_;
};

}  // namespace oskit

#endif  // COMPONENTS_SUBSET_SUBSET_H
