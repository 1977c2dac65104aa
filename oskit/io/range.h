// Checks shared by every absio/blkio/bufio implementation: the argument rules
// of seed 004 sections 7.1 and 7.3 as this toolkit applies them.
#ifndef OSKIT_IO_RANGE_H
#define OSKIT_IO_RANGE_H

#include <oskit/com.h>
#include <oskit/error.h>

#include <cstdint>
#include <limits>

namespace oskit {

// Validates a transfer of amount bytes at offset against an object of size
// bytes and returns in *out_amount how much of it lies inside the object.
//   - a negative offset, or offset + amount beyond the largest offset: OSKIT_EINVAL;
//   - amount 0: success, nothing to transfer;
//   - offset at or past the end: OSKIT_EINVAL (no data could be transferred);
//   - a transfer crossing the end: clamped to the end.
inline oskit_error_t clamp_transfer(oskit_off_t offset, oskit_size_t amount, oskit_off_t size,
                                    oskit_size_t* out_amount) noexcept {
  const auto uoffset = static_cast<std::uint64_t>(offset);
  const auto usize = static_cast<std::uint64_t>(size);
  if (uoffset < usize && amount <= usize - uoffset) {  // wholly inside: the common case
    *out_amount = amount;
    return 0;
  }
  *out_amount = 0;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<oskit_off_t>::max());
  if (offset < 0 || amount > kMax || static_cast<std::uint64_t>(offset) > kMax - amount) return OSKIT_EINVAL;
  if (amount == 0) return 0;
  if (offset >= size) return OSKIT_EINVAL;
  std::uint64_t room = static_cast<std::uint64_t>(size - offset);
  *out_amount = amount < room ? amount : static_cast<oskit_size_t>(room);
  return 0;
}

// Whether offset and amount are multiples of block_size (a power of two).
inline bool block_aligned(oskit_off_t offset, oskit_size_t amount, oskit_u32_t block_size) noexcept {
  const std::uint64_t mask = block_size - 1;
  return ((static_cast<std::uint64_t>(offset) | amount) & mask) == 0;
}

// Whether a blkio object of block_size answers a query for iid: absio only at
// block size 1 (seed 004 7.1, 7.3: absio is blkio with a block size of one);
// every other interface it lists, always.
bool blkio_exports(const oskit_guid& iid, oskit_u32_t block_size) noexcept;

}  // namespace oskit

#endif  // OSKIT_IO_RANGE_H
