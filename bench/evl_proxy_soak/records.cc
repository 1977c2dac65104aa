#include "bench/evl_proxy_soak/records.h"

#include <cstring>

namespace oskit::soak {
namespace {

constexpr std::uint32_t kMagic = 0x534f414b;  // "SOAK"

struct Header {
  std::uint32_t magic;
  std::uint16_t producer;
  std::uint16_t length;
  std::uint64_t seq;
  std::uint64_t checksum;
};
static_assert(sizeof(Header) == kHeaderBytes, "a packed header");

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  return x ^ (x >> 33);
}

// Payloads and checksums go a word at a time: lengths are multiples of 8.
std::uint64_t checksum_of(const Header& h, const char* payload, std::size_t n) {
  std::uint64_t sum = mix(h.seq ^ (std::uint64_t{h.producer} << 48) ^ (std::uint64_t{h.length} << 32));
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, payload + i, sizeof word);
    sum = mix(sum ^ word);
  }
  return sum;
}

std::uint64_t key_of(std::uint32_t producer, std::uint64_t seq) { return mix((std::uint64_t{producer} << 40) ^ seq); }

}  // namespace

std::size_t record_length(std::uint32_t producer, std::uint64_t seq) {
  return kHeaderBytes + 8 * (key_of(producer, seq) % ((kMaxRecordBytes - kHeaderBytes) / 8 + 1));
}

void encode_record(std::uint32_t producer, std::uint64_t seq, char* out) {
  const std::size_t length = record_length(producer, seq);
  Header h{kMagic, static_cast<std::uint16_t>(producer), static_cast<std::uint16_t>(length), seq, 0};
  char* payload = out + kHeaderBytes;
  const std::uint64_t key = key_of(producer, seq);
  for (std::size_t i = 0; i < length - kHeaderBytes; i += 8) {
    const std::uint64_t word = mix(key + i);
    std::memcpy(payload + i, &word, sizeof word);
  }
  h.checksum = checksum_of(h, payload, length - kHeaderBytes);
  std::memcpy(out, &h, sizeof h);
}

void RecordParser::feed(const char* data, std::size_t n) {
  pending_.append(data, n);
  parse();
}

// Takes whole records off the front; on a bad header or checksum, counts a
// byte as corrupt and looks for the next record from the byte after.
void RecordParser::parse() {
  std::size_t at = 0;
  while (pending_.size() - at >= kHeaderBytes) {
    Header h;
    std::memcpy(&h, pending_.data() + at, sizeof h);
    const bool plausible = h.magic == kMagic && h.length >= kHeaderBytes && h.length <= kMaxRecordBytes &&
                           h.length == record_length(h.producer, h.seq);
    if (!plausible) {
      ++corrupt_bytes_;
      ++at;
      continue;
    }
    if (pending_.size() - at < h.length) break;
    const char* payload = pending_.data() + at + kHeaderBytes;
    if (checksum_of(h, payload, h.length - kHeaderBytes) != h.checksum) {
      ++corrupt_bytes_;
      ++at;
      continue;
    }
    on_record_(h.producer, h.seq);
    at += h.length;
  }
  pending_.erase(0, at);
}

}  // namespace oskit::soak
