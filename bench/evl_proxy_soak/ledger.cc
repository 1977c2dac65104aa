#include "bench/evl_proxy_soak/ledger.h"

#include <map>

namespace oskit::soak {

Ledger::Ledger(std::uint32_t producers, std::uint64_t records_per_producer)
    : producers_(producers), per_producer_(records_per_producer) {
  for (std::uint32_t p = 0; p < producers; ++p) {
    accepted_.emplace_back(new std::atomic<std::uint32_t>[records_per_producer]());
    delivered_.emplace_back(new std::atomic<std::uint8_t>[records_per_producer]());
  }
}

bool Ledger::delivered(std::uint32_t producer, std::uint64_t seq) {
  if (producer >= producers_ || seq >= per_producer_) {
    duplicated_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (delivered_[producer][seq].exchange(1, std::memory_order_relaxed) == 0) return true;
  duplicated_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

Summary Ledger::summarize(const std::function<std::uint64_t(std::uint32_t instance)>& reported_dropped,
                          const std::function<std::size_t(std::uint32_t producer, std::uint64_t seq)>& length) const {
  Summary s;
  struct Undelivered {
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
  };
  std::map<std::uint32_t, Undelivered> undelivered;  // per proxy instance
  for (std::uint32_t p = 0; p < producers_; ++p) {
    for (std::uint64_t seq = 0; seq < per_producer_; ++seq) {
      const std::uint32_t instance = accepted_[p][seq].load(std::memory_order_relaxed);
      const bool got = delivered_[p][seq].load(std::memory_order_relaxed) != 0;
      if (instance != 0) ++s.sent;
      if (instance == kRefused || instance == 0) {
        s.refused += instance == kRefused;
        s.phantom += got;
        continue;
      }
      ++s.accepted;
      if (got) {
        ++s.delivered;
        continue;
      }
      Undelivered& u = undelivered[instance];
      ++u.records;
      u.bytes += length(p, seq);
    }
  }
  for (const auto& [instance, u] : undelivered) {
    if (u.bytes <= reported_dropped(instance)) {
      s.dropped_reported += u.records;
    } else {
      s.lost += u.records;
    }
  }
  s.duplicated = duplicated_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace oskit::soak
