// The filter (components/netio/netio.h).
#include "components/netio/counters.h"
#include "components/netio/netio.h"
#include "components/netio/packet.h"
#include "oskit/com/implements.h"

namespace oskit::netio {
namespace {

class NetioFilter : public Implements<NetioFilter, oskit_netio, oskit_netio_counters, oskit_describe> {
 public:
  OSKIT_COMDECL push(oskit_bufio* buf, oskit_size_t size) noexcept override {
    oskit_error_t rc = check_packet(buf, size);
    if (rc != 0) return rc;
    Counters::bump(counters_.pushed);
    if (!predicate_(data_, buf, size)) {
      Counters::bump(counters_.filtered);
      return 0;
    }
    return counters_.outcome(consumer_->push(buf, size));
  }

  OSKIT_COMDECL alloc_bufio(oskit_size_t size, oskit_bufio** out_buf) noexcept override {
    if (out_buf == nullptr) return OSKIT_E_POINTER;
    *out_buf = nullptr;
    return consumer_->alloc_bufio(size, out_buf);
  }

  OSKIT_COMDECL getstats(oskit_netio_stats_t* out_stats) noexcept override { return counters_.fill(out_stats); }

  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    return describe_to(sink, [&](Description& d) {
      d.kind("netio_filter").answers("netio_counters").holds("consumer", consumer_);
      counters_.report(d);
    });
  }

 protected:
  NetioFilter(oskit_netio* consumer, oskit_netio_predicate_t predicate, void* data) noexcept
      : consumer_(ComPtr<oskit_netio>::copy(consumer)), predicate_(predicate), data_(data) {}
  ~NetioFilter() override = default;

 private:
  const ComPtr<oskit_netio> consumer_;
  const oskit_netio_predicate_t predicate_;
  void* const data_;
  Counters counters_;
};

}  // namespace
}  // namespace oskit::netio

extern "C" oskit_error_t oskit_netio_filter_create(oskit_netio_t* consumer, oskit_netio_predicate_t predicate,
                                                   void* data, oskit_netio_t** out_netio) {
  if (out_netio == nullptr) return OSKIT_E_POINTER;
  *out_netio = nullptr;
  if (consumer == nullptr || predicate == nullptr) return OSKIT_E_POINTER;
  *out_netio = oskit::make<oskit::netio::NetioFilter>(consumer, predicate, data).detach();
  return *out_netio != nullptr ? 0 : OSKIT_ENOMEM;
}
