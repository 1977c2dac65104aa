// copy_bytes: memmove for the small transfers that dominate packet and record
// I/O. Sizes up to 64 bytes are copied with two overlapping fixed-size moves
// that the compiler keeps in registers (both loads before both stores, so
// overlapping ranges are safe); larger ones go to memmove.
#ifndef OSKIT_IO_COPY_H
#define OSKIT_IO_COPY_H

#include <cstddef>
#include <cstring>

namespace oskit {
namespace detail {

template <std::size_t kChunk>
__attribute__((always_inline)) inline void copy_two_chunks(char* dst, const char* src, std::size_t n) noexcept {
  char head[kChunk];
  char tail[kChunk];
  std::memcpy(head, src, kChunk);
  std::memcpy(tail, src + n - kChunk, kChunk);
  std::memcpy(dst, head, kChunk);
  std::memcpy(dst + n - kChunk, tail, kChunk);
}

}  // namespace detail

__attribute__((always_inline)) inline void copy_bytes(void* dst_v, const void* src_v, std::size_t n) noexcept {
  auto* dst = static_cast<char*>(dst_v);
  const auto* src = static_cast<const char*>(src_v);
  if (n >= 32) {
    if (n <= 64) return detail::copy_two_chunks<32>(dst, src, n);
    std::memmove(dst, src, n);
  } else if (n >= 16) {
    detail::copy_two_chunks<16>(dst, src, n);
  } else if (n >= 8) {
    detail::copy_two_chunks<8>(dst, src, n);
  } else if (n >= 4) {
    detail::copy_two_chunks<4>(dst, src, n);
  } else if (n > 0) {
    const char first = src[0], middle = src[n / 2], last = src[n - 1];
    dst[0] = first;
    dst[n / 2] = middle;
    dst[n - 1] = last;
  }
}

}  // namespace oskit

#endif  // OSKIT_IO_COPY_H
