// Reads a fuzz input as a stream of decisions: integers, choices and byte
// strings. Past the end every read gives zeros, so a target stops by testing
// empty().
#ifndef TESTS_FUZZ_FUZZ_INPUT_H
#define TESTS_FUZZ_FUZZ_INPUT_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace oskit::fuzz {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  std::size_t remaining() const { return empty() ? 0 : size_ - pos_; }

  std::uint8_t u8() { return empty() ? 0 : data_[pos_++]; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
  std::uint32_t u32() { return u16() | (static_cast<std::uint32_t>(u16()) << 16); }
  std::uint64_t u64() { return u32() | (static_cast<std::uint64_t>(u32()) << 32); }
  bool boolean() { return (u8() & 1) != 0; }

  // A value in [lo, hi] (hi >= lo), from as few bytes as the span needs.
  std::uint64_t range(std::uint64_t lo, std::uint64_t hi) {
    const std::uint64_t span = hi - lo;
    if (span == 0) return lo;
    std::uint64_t v = span <= 0xff ? u8() : span <= 0xffff ? u16() : span <= 0xffffffffu ? u32() : u64();
    return span == UINT64_MAX ? v : lo + v % (span + 1);
  }

  // One of the n choices [0, n).
  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(range(0, n - 1)); }

  // One element of a fixed table.
  template <typename T, std::size_t N>
  const T& one_of(const T (&table)[N]) {
    return table[pick(N)];
  }

  // n bytes (zeros past the end).
  std::vector<std::uint8_t> bytes(std::size_t n) {
    std::vector<std::uint8_t> out(n, 0);
    const std::size_t k = n < remaining() ? n : remaining();
    if (k > 0) std::memcpy(out.data(), data_ + pos_, k);
    pos_ += k;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace oskit::fuzz

#endif  // TESTS_FUZZ_FUZZ_INPUT_H
