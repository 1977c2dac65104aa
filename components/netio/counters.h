// The counts the filter, the loopback ends and the queue keep
// (oskit_netio_stats), updated without a lock.
#ifndef COMPONENTS_NETIO_COUNTERS_H
#define COMPONENTS_NETIO_COUNTERS_H

#include <atomic>

#include "components/netio/netio.h"
#include "oskit/com/description.h"

namespace oskit::netio {

struct Counters {
  std::atomic<oskit_u64_t> pushed{0};
  std::atomic<oskit_u64_t> delivered{0};
  std::atomic<oskit_u64_t> filtered{0};
  std::atomic<oskit_u64_t> refused{0};
  std::atomic<oskit_u64_t> failed{0};

  static void bump(std::atomic<oskit_u64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }
  // Counts the consumer's answer to a push and returns it.
  oskit_error_t outcome(oskit_error_t rc) {
    bump(rc == 0 ? delivered : failed);
    return rc;
  }
  // Fills the counts kept here (queued and high_water are the queue's).
  oskit_error_t fill(oskit_netio_stats_t* out) const;
  // Reports the counts kept here (oskit_describe).
  void report(Description& d) const {
    d.counter("pushed", pushed).counter("delivered", delivered).counter("filtered", filtered);
    d.counter("refused", refused).counter("failed", failed);
  }
};

}  // namespace oskit::netio

#endif  // COMPONENTS_NETIO_COUNTERS_H
