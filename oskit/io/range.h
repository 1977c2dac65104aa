// Checks shared by every absio/blkio/bufio implementation: the argument rules
// of the OSKit manual, sections 7.1 and 7.3, as this toolkit applies them
// (docs/design.md, "Range rules for absio, blkio and bufio").
#ifndef OSKIT_IO_RANGE_H
#define OSKIT_IO_RANGE_H

#include "oskit/com.h"
#include "oskit/error.h"

#include <cstdint>
#include <limits>

namespace oskit {

// The largest offset an object can have.
inline constexpr std::uint64_t kMaxOffset = static_cast<std::uint64_t>(std::numeric_limits<oskit_off_t>::max());

// Whether v is a power of two (0 is not).
constexpr bool is_power_of_two(std::uint64_t v) noexcept { return v != 0 && (v & (v - 1)) == 0; }

// Whether [offset, offset + amount) is made of valid offsets: offset is not
// negative and the end does not pass the largest offset.
constexpr bool valid_range(oskit_off_t offset, std::uint64_t amount) noexcept {
  return offset >= 0 && amount <= kMaxOffset && static_cast<std::uint64_t>(offset) <= kMaxOffset - amount;
}

// Whether [offset, offset + size) lies inside an object of whole bytes.
constexpr bool range_within(oskit_off_t offset, oskit_off_t size, oskit_off_t whole) noexcept {
  return offset >= 0 && size >= 0 && offset <= whole && size <= whole - offset;
}

// The checks every transfer starts with: *out_actual present (OSKIT_E_POINTER)
// and set to 0; buf present unless amount is 0 (OSKIT_E_POINTER); a valid
// range (OSKIT_EINVAL). 0 when all hold.
inline oskit_error_t check_transfer_args(const void* buf, oskit_off_t offset, oskit_size_t amount,
                                         oskit_size_t* out_actual) noexcept {
  if (out_actual == nullptr) return OSKIT_E_POINTER;
  *out_actual = 0;
  if (buf == nullptr && amount != 0) return OSKIT_E_POINTER;
  return valid_range(offset, amount) ? 0 : OSKIT_EINVAL;
}

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
  if (!valid_range(offset, amount)) return OSKIT_EINVAL;
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

// check_transfer_args for a blkio of block_size: offset and amount must also
// be multiples of the block size (OSKIT_EINVAL).
inline oskit_error_t check_block_transfer_args(const void* buf, oskit_off_t offset, oskit_size_t amount,
                                               oskit_size_t* out_actual, oskit_u32_t block_size) noexcept {
  const oskit_error_t rc = check_transfer_args(buf, offset, amount, out_actual);
  if (rc != 0) return rc;
  return block_aligned(offset, amount, block_size) ? 0 : OSKIT_EINVAL;
}

// v (an offset, size or byte count, not negative) rounded down to a multiple
// of block_size (a power of two).
template <class Integer>
constexpr Integer round_down_to_block(Integer v, oskit_u32_t block_size) noexcept {
  return v & ~static_cast<Integer>(block_size - 1);
}

// Whether a blkio object of block_size answers a query for iid: absio only at
// block size 1 (OSKit manual 7.1, 7.3: absio is blkio with a block size of one);
// every other interface it lists, always.
bool blkio_exports(const oskit_guid& iid, oskit_u32_t block_size) noexcept;

}  // namespace oskit

#endif  // OSKIT_IO_RANGE_H
