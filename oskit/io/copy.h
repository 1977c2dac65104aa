// copy_bytes: memmove for the small transfers that dominate packet and record
// I/O. Sizes up to 64 bytes are copied with overlapping fixed-size loads held
// in registers (every load before any store, so overlapping ranges are safe);
// larger ones go to memmove.
#ifndef OSKIT_IO_COPY_H
#define OSKIT_IO_COPY_H

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace oskit {
namespace detail {

typedef char Vec16 __attribute__((vector_size(16), aligned(1), may_alias));

template <class T>
__attribute__((always_inline)) inline T load(const char* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class T>
__attribute__((always_inline)) inline void store(char* p, T v) noexcept {
  std::memcpy(p, &v, sizeof v);
}

// Copies n bytes, kChunk <= n <= 2 * kChunk, as a head and a tail that may overlap.
template <class T>
__attribute__((always_inline)) inline void copy_head_tail(char* dst, const char* src, std::size_t n) noexcept {
  const T head = load<T>(src);
  const T tail = load<T>(src + n - sizeof(T));
  store(dst, head);
  store(dst + n - sizeof(T), tail);
}

__attribute__((always_inline)) inline void copy_32_to_64(char* dst, const char* src, std::size_t n) noexcept {
  const Vec16 a = load<Vec16>(src);
  const Vec16 b = load<Vec16>(src + 16);
  const Vec16 c = load<Vec16>(src + n - 32);
  const Vec16 d = load<Vec16>(src + n - 16);
  store(dst, a);
  store(dst + 16, b);
  store(dst + n - 32, c);
  store(dst + n - 16, d);
}

}  // namespace detail

__attribute__((always_inline)) inline void copy_bytes(void* dst_v, const void* src_v, std::size_t n) noexcept {
  auto* dst = static_cast<char*>(dst_v);
  const auto* src = static_cast<const char*>(src_v);
  if (n >= 32) {
    if (n <= 64) return detail::copy_32_to_64(dst, src, n);
    std::memmove(dst, src, n);
  } else if (n >= 16) {
    detail::copy_head_tail<detail::Vec16>(dst, src, n);
  } else if (n >= 8) {
    detail::copy_head_tail<std::uint64_t>(dst, src, n);
  } else if (n >= 4) {
    detail::copy_head_tail<std::uint32_t>(dst, src, n);
  } else if (n > 0) {
    const char first = src[0], middle = src[n / 2], last = src[n - 1];
    dst[0] = first;
    dst[n / 2] = middle;
    dst[n - 1] = last;
  }
}

}  // namespace oskit

#endif  // OSKIT_IO_COPY_H
