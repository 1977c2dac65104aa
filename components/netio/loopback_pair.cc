// The loopback pair (components/netio/netio.h).
#include "absl/base/thread_annotations.h"
#include "components/netio/counters.h"
#include "components/netio/netio.h"
#include "components/netio/packet.h"
#include "oskit/com/implements.h"
#include "oskit/sync/mutex.h"

namespace oskit::netio {
namespace {

// What the two ends share: the receive netio of each party, while its end is
// open.
class Cable : public Implements<Cable, oskit_iunknown> {
 public:
  // The consumer of end `side`, empty once that end has closed.
  ComPtr<oskit_netio> consumer(int side) {
    MutexLock lock(&mu_);
    return consumers_[side];
  }
  // Closes end `side`, releasing its party's receive netio.
  void close(int side) {
    ComPtr<oskit_netio> gone;
    {
      MutexLock lock(&mu_);
      gone = std::move(consumers_[side]);
    }
  }

 protected:
  Cable(oskit_netio* rx_a, oskit_netio* rx_b) noexcept
      : consumers_{ComPtr<oskit_netio>::copy(rx_a), ComPtr<oskit_netio>::copy(rx_b)} {}
  ~Cable() override = default;

 private:
  Mutex mu_;
  ComPtr<oskit_netio> consumers_[2] ABSL_GUARDED_BY(mu_);
};

// One end: pushes go to the other side's consumer.
class LoopbackEnd : public Implements<LoopbackEnd, oskit_netio, oskit_netio_counters, oskit_describe> {
 public:
  OSKIT_COMDECL push(oskit_bufio* buf, oskit_size_t size) noexcept override {
    oskit_error_t rc = check_packet(buf, size);
    if (rc != 0) return rc;
    Counters::bump(counters_.pushed);
    ComPtr<oskit_netio> peer = cable_->consumer(1 - side_);
    if (!peer) {
      Counters::bump(counters_.refused);
      return OSKIT_ENOTCONN;
    }
    return counters_.outcome(peer->push(buf, size));
  }

  OSKIT_COMDECL alloc_bufio(oskit_size_t size, oskit_bufio** out_buf) noexcept override {
    if (out_buf == nullptr) return OSKIT_E_POINTER;
    *out_buf = nullptr;
    ComPtr<oskit_netio> peer = cable_->consumer(1 - side_);
    return peer ? peer->alloc_bufio(size, out_buf) : OSKIT_ENOTCONN;
  }

  OSKIT_COMDECL getstats(oskit_netio_stats_t* out_stats) noexcept override { return counters_.fill(out_stats); }

  // The consumer it holds is the other party's, while that end is open.
  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    const ComPtr<oskit_netio> peer = cable_->consumer(1 - side_);
    return describe_to(sink, [&](Description& d) {
      d.kind("netio_loopback_end", side_ == 0 ? "end a" : "end b").answers("netio_counters").holds("consumer", peer);
      counters_.report(d);
    });
  }

 protected:
  LoopbackEnd(ComPtr<Cable> cable, int side) noexcept : cable_(std::move(cable)), side_(side) {}
  ~LoopbackEnd() override { cable_->close(side_); }

 private:
  const ComPtr<Cable> cable_;
  const int side_;
  Counters counters_;
};

}  // namespace
}  // namespace oskit::netio

extern "C" oskit_error_t oskit_netio_loopback_pair(oskit_netio_t* rx_a, oskit_netio_t* rx_b, oskit_netio_t** out_tx_a,
                                                   oskit_netio_t** out_tx_b) {
  using oskit::netio::Cable;
  using oskit::netio::LoopbackEnd;
  if (out_tx_a != nullptr) *out_tx_a = nullptr;
  if (out_tx_b != nullptr) *out_tx_b = nullptr;
  if (rx_a == nullptr || rx_b == nullptr || out_tx_a == nullptr || out_tx_b == nullptr) return OSKIT_E_POINTER;
  oskit::ComPtr<Cable> cable = oskit::make<Cable>(rx_a, rx_b);
  if (!cable) return OSKIT_ENOMEM;
  oskit::ComPtr<LoopbackEnd> a = oskit::make<LoopbackEnd>(cable, 0);
  oskit::ComPtr<LoopbackEnd> b = oskit::make<LoopbackEnd>(cable, 1);
  if (!a || !b) return OSKIT_ENOMEM;
  *out_tx_a = a.detach();
  *out_tx_b = b.detach();
  return 0;
}
