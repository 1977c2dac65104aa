// What happened to every record of the soak test: accepted by a write through
// which proxy, refused by a write, delivered (how many times). Producers and
// target readers mark it concurrently; summarize() reads it once all stopped.
#ifndef BENCH_EVL_PROXY_SOAK_LEDGER_H
#define BENCH_EVL_PROXY_SOAK_LEDGER_H

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace oskit::soak {

struct Summary {
  std::uint64_t sent = 0;              // records the producers tried to write
  std::uint64_t refused = 0;           // a write returned an error for them
  std::uint64_t accepted = 0;          // a write took them whole
  std::uint64_t delivered = 0;         // reached a target, intact
  std::uint64_t dropped_reported = 0;  // accepted, not delivered, and reported dropped by their proxy
  std::uint64_t lost = 0;              // accepted, not delivered, not reported
  std::uint64_t duplicated = 0;        // delivered more than once
  std::uint64_t phantom = 0;           // delivered although their write failed or never happened
};

class Ledger {
 public:
  Ledger(std::uint32_t producers, std::uint64_t records_per_producer);

  // A write through proxy instance (1 and up) took record seq of producer.
  void accepted(std::uint32_t producer, std::uint64_t seq, std::uint32_t instance) {
    accepted_[producer][seq].store(instance, std::memory_order_relaxed);
  }
  void refused(std::uint32_t producer, std::uint64_t seq) {
    accepted_[producer][seq].store(kRefused, std::memory_order_relaxed);
  }
  // A target received the record; false for one already received (or not ours).
  bool delivered(std::uint32_t producer, std::uint64_t seq);

  // Accounts for every record. reported_dropped(instance) gives the bytes
  // that proxy instance reported dropped; an instance's undelivered records
  // count as reported when their bytes do not exceed that, as lost otherwise.
  Summary summarize(const std::function<std::uint64_t(std::uint32_t instance)>& reported_dropped,
                    const std::function<std::size_t(std::uint32_t producer, std::uint64_t seq)>& length) const;

 private:
  static constexpr std::uint32_t kRefused = 0xffffffffu;

  const std::uint32_t producers_;
  const std::uint64_t per_producer_;
  std::vector<std::unique_ptr<std::atomic<std::uint32_t>[]>> accepted_;
  std::vector<std::unique_ptr<std::atomic<std::uint8_t>[]>> delivered_;
  std::atomic<std::uint64_t> duplicated_{0};
};

}  // namespace oskit::soak

#endif  // BENCH_EVL_PROXY_SOAK_LEDGER_H
