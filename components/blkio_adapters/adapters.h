// The absio/blkio adapters (DESIGN.md section 6):
//   - an absio over any blkio: byte-granular reads and writes, with
//     read-modify-write of partially covered blocks;
//   - a blkio of a chosen block size over any absio.
#ifndef COMPONENTS_BLKIO_ADAPTERS_ADAPTERS_H
#define COMPONENTS_BLKIO_ADAPTERS_ADAPTERS_H

#include <oskit/io/absio.h>
#include <oskit/io/blkio.h>

/* The largest block size the adapters accept. */
#define OSKIT_ADAPTER_MAX_BLOCK_SIZE (1u << 20)

OSKIT_BEGIN_DECLS

/*
 * Creates an absio (answering blkio with the same pointer, block size 1) over
 * io, which it holds a reference to. Reads and writes at any offset and length
 * follow oskit/io/range.h against io's size: a write is clamped at the end and
 * never grows io. setsize takes a multiple of io's block size (else
 * OSKIT_EINVAL, or OSKIT_E_NOTIMPL when io has a fixed size) and passes it
 * down. Concurrent writers of disjoint byte ranges
 * are safe even when they share a block. Returns 0 and an owned reference, or
 * OSKIT_E_POINTER, OSKIT_EINVAL (io's block size is not a power of two up to
 * OSKIT_ADAPTER_MAX_BLOCK_SIZE) or OSKIT_ENOMEM with *out_io set to NULL.
 */
oskit_error_t oskit_absio_adapter_create(oskit_blkio_t *io, oskit_absio_t **out_io);

/*
 * Creates a blkio of block_size (a power of two up to
 * OSKIT_ADAPTER_MAX_BLOCK_SIZE) over the absio io. Its size is io's rounded
 * down to the block size; requests follow the blkio rules (seed 004 section
 * 7.3) and writes are clamped at the end. setsize takes a multiple of the block
 * size. With block_size 1 it also answers absio. Returns 0 and an owned
 * reference, or OSKIT_E_POINTER / OSKIT_EINVAL / OSKIT_ENOMEM with *out_io NULL.
 */
oskit_error_t oskit_blkio_adapter_create(oskit_absio_t *io, oskit_u32_t block_size, oskit_blkio_t **out_io);

OSKIT_END_DECLS

#ifdef __cplusplus

#include <mutex>

#include "oskit/com/implements.h"

namespace oskit {

// Aligned requests pass straight through. A partially covered block is read,
// patched and written back under a lock chosen by the block's number (one of
// kStripes), so two writers of different bytes of one block cannot undo each
// other's bytes; whole blocks are written without a lock. Writers of the same
// bytes get no ordering guarantee. Two adapters over one blkio do not share
// locks: concurrent writers must share one adapter.
class AbsioOverBlkio : public Implements<AbsioOverBlkio, oskit_absio, oskit_blkio> {
 public:
  OSKIT_COMDECL_U getblocksize() noexcept override { return 1; }
  OSKIT_COMDECL read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                      oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL getsize(oskit_off_t* out_size) noexcept override { return target_->getsize(out_size); }
  OSKIT_COMDECL setsize(oskit_off_t new_size) noexcept override;

  static constexpr int kStripes = 64;

 protected:
  AbsioOverBlkio(oskit_blkio* target, oskit_u32_t block_size) noexcept
      : target_(ComPtr<oskit_blkio>::copy(target)), block_size_(block_size) {}
  ~AbsioOverBlkio() override = default;

 private:
  // Reads the block at block_offset into bounce (block_size_ bytes).
  oskit_error_t read_block(char* bounce, oskit_off_t block_offset) noexcept;
  // Read-modify-write of n bytes at offset inside one block.
  oskit_error_t patch_block(char* bounce, const char* src, oskit_off_t offset, oskit_size_t n) noexcept;
  std::mutex& stripe(oskit_off_t block_offset) noexcept {
    return stripes_[static_cast<std::uint64_t>(block_offset / block_size_) % kStripes];
  }

  const ComPtr<oskit_blkio> target_;
  const oskit_u32_t block_size_;
  std::mutex stripes_[kStripes];
};

// Checks and forwards; writes first read the target's size to clamp.
class BlkioOverAbsio : public Implements<BlkioOverAbsio, oskit_blkio, oskit_absio> {
 public:
  OSKIT_COMDECL_U getblocksize() noexcept override { return block_size_; }
  OSKIT_COMDECL read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                      oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL getsize(oskit_off_t* out_size) noexcept override;
  OSKIT_COMDECL setsize(oskit_off_t new_size) noexcept override;

  bool exports(const oskit_guid& iid) const noexcept;

 protected:
  BlkioOverAbsio(oskit_absio* target, oskit_u32_t block_size) noexcept
      : target_(ComPtr<oskit_absio>::copy(target)), block_size_(block_size) {}
  ~BlkioOverAbsio() override = default;

 private:
  oskit_off_t round_down(oskit_off_t v) const noexcept { return v & ~static_cast<oskit_off_t>(block_size_ - 1); }
  oskit_error_t check(const void* buf, oskit_off_t offset, oskit_size_t amount,
                      oskit_size_t* out_actual) const noexcept;

  const ComPtr<oskit_absio> target_;
  const oskit_u32_t block_size_;
};

}  // namespace oskit

#endif  // __cplusplus

#endif  // COMPONENTS_BLKIO_ADAPTERS_ADAPTERS_H
