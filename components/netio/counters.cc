#include "components/netio/counters.h"

extern "C" const struct oskit_guid oskit_netio_counters_iid = OSKIT_NETIO_COUNTERS_IID;

namespace oskit::netio {

oskit_error_t Counters::fill(oskit_netio_stats_t* out) const {
  if (out == nullptr) return OSKIT_E_POINTER;
  *out = oskit_netio_stats_t{};
  out->pushed = pushed.load(std::memory_order_relaxed);
  out->delivered = delivered.load(std::memory_order_relaxed);
  out->filtered = filtered.load(std::memory_order_relaxed);
  out->refused = refused.load(std::memory_order_relaxed);
  out->failed = failed.load(std::memory_order_relaxed);
  return 0;
}

}  // namespace oskit::netio
