// The soak test's records: self-describing, so that whatever reaches a target
// can be told apart, checked and counted. A record is a 24-byte header
// (magic, producer, length, sequence number, checksum) and a payload derived
// from the producer and sequence number; lengths are multiples of 8, so
// records suit a proxy of granularity 8 as they suit any other.
#ifndef BENCH_EVL_PROXY_SOAK_RECORDS_H
#define BENCH_EVL_PROXY_SOAK_RECORDS_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace oskit::soak {

constexpr std::size_t kHeaderBytes = 24;
constexpr std::size_t kMaxRecordBytes = 256;

// The length of a producer's record seq: 24 to 256 bytes, a multiple of 8.
std::size_t record_length(std::uint32_t producer, std::uint64_t seq);

// Writes the record into out (record_length bytes).
void encode_record(std::uint32_t producer, std::uint64_t seq, char* out);

// Splits a byte stream into records, across any cut, and checks each.
class RecordParser {
 public:
  // Called for each whole, intact record.
  using OnRecord = std::function<void(std::uint32_t producer, std::uint64_t seq)>;
  explicit RecordParser(OnRecord on_record) : on_record_(std::move(on_record)) {}

  void feed(const char* data, std::size_t n);
  // Bytes that did not form an intact record (0 unless the stream was damaged).
  std::uint64_t corrupt_bytes() const { return corrupt_bytes_; }
  // Bytes of a record cut short at the end of the stream.
  std::size_t pending_bytes() const { return pending_.size(); }

 private:
  void parse();

  OnRecord on_record_;
  std::string pending_;
  std::uint64_t corrupt_bytes_ = 0;
};

}  // namespace oskit::soak

#endif  // BENCH_EVL_PROXY_SOAK_RECORDS_H
