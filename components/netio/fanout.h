// The netio fanout: pushes each packet to every registered consumer
// (oskit_netio_fanout_create, oskit/io/netio.h).
#ifndef COMPONENTS_NETIO_FANOUT_H
#define COMPONENTS_NETIO_FANOUT_H

#include <mutex>

#include <boost/intrusive/list.hpp>

#include "absl/base/thread_annotations.h"
#include "oskit/com/implements.h"
#include "oskit/io/netio.h"

namespace oskit {

// Consumers are kept in registration order. push delivers outside the lock (a
// consumer may add or remove consumers from its push), tries every consumer,
// and returns the first error any of them returned.
class NetioFanout : public Implements<NetioFanout, oskit_netio_fanout, oskit_netio> {
 public:
  OSKIT_COMDECL push(oskit_bufio* buf, oskit_size_t size) noexcept override;
  OSKIT_COMDECL alloc_bufio(oskit_size_t size, oskit_bufio** out_buf) noexcept override;
  OSKIT_COMDECL add_listener(oskit_netio* consumer) noexcept override;
  OSKIT_COMDECL remove_listener(oskit_netio* consumer) noexcept override;

 protected:
  NetioFanout() noexcept = default;
  ~NetioFanout() override;

 private:
  struct Consumer : boost::intrusive::list_base_hook<> {
    explicit Consumer(oskit_netio* n) : netio(ComPtr<oskit_netio>::copy(n)) {}
    ComPtr<oskit_netio> netio;
  };
  using ConsumerList = boost::intrusive::list<Consumer>;

  std::mutex mu_;
  ConsumerList consumers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace oskit

#endif  // COMPONENTS_NETIO_FANOUT_H
