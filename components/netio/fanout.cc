#include "components/netio/fanout.h"

#include <new>

#include "absl/container/inlined_vector.h"
#include "components/netio/function_netio.h"

namespace oskit {

NetioFanout::~NetioFanout() {
  std::lock_guard<std::mutex> lock(mu_);
  consumers_.clear_and_dispose([](Consumer* c) { delete c; });
}

OSKIT_COMDECL NetioFanout::push(oskit_bufio* buf, oskit_size_t size) noexcept {
  oskit_error_t rc = check_packet(buf, size);
  if (rc != 0) return rc;
  absl::InlinedVector<ComPtr<oskit_netio>, 8> targets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Consumer& c : consumers_) targets.push_back(c.netio);
  }
  oskit_error_t first_error = 0;
  for (const ComPtr<oskit_netio>& target : targets) {
    rc = target->push(buf, size);
    if (rc != 0 && first_error == 0) first_error = rc;
  }
  return first_error;
}

OSKIT_COMDECL NetioFanout::alloc_bufio(oskit_size_t size, oskit_bufio** out_buf) noexcept {
  if (out_buf == nullptr) return OSKIT_E_POINTER;
  *out_buf = oskit_bufio_create(size);
  return *out_buf ? 0 : OSKIT_ENOMEM;
}

OSKIT_COMDECL NetioFanout::add_listener(oskit_netio* consumer) noexcept {
  if (consumer == nullptr) return OSKIT_E_POINTER;
  std::lock_guard<std::mutex> lock(mu_);
  for (const Consumer& c : consumers_)
    if (c.netio.get() == consumer) return OSKIT_EEXIST;
  auto* node = new (std::nothrow) Consumer(consumer);
  if (node == nullptr) return OSKIT_ENOMEM;
  consumers_.push_back(*node);
  return 0;
}

OSKIT_COMDECL NetioFanout::remove_listener(oskit_netio* consumer) noexcept {
  Consumer* found = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Consumer& c : consumers_) {
      if (c.netio.get() == consumer) {
        found = &c;
        consumers_.erase(consumers_.iterator_to(c));
        break;
      }
    }
  }
  if (found == nullptr) return OSKIT_E_INVALIDARG;
  delete found;  // releases the consumer outside the lock
  return 0;
}

}  // namespace oskit

extern "C" oskit_netio_fanout_t* oskit_netio_fanout_create(void) {
  return oskit::make<oskit::NetioFanout>().detach();
}
