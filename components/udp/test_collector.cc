#include "components/udp/test_collector.h"

#include <cstring>

#include "components/netio/netio.h"

namespace oskit::udp::testing {

Collector::Collector() : netio_(ComPtr<oskit_netio>::adopt(oskit_netio_create_cleanup(on_push, this, on_release))) {}

Collector::~Collector() = default;

void Collector::attach(oskit_netio* send_netio) {
  // A plain pointer, no reference: the endpoint holds this netio, and pushes
  // come from the endpoint's own thread while it lives.
  endpoint_.store(udp_endpoint(send_netio).get());
}

oskit_error_t Collector::on_push(void* self, oskit_bufio_t* buf, oskit_size_t size) {
  auto* c = static_cast<Collector*>(self);
  Datagram d;
  d.data.resize(size);
  oskit_size_t n = 0;
  if (size > 0) buf->read(&d.data[0], 0, size, &n);
  std::memset(&d.from, 0, sizeof d.from);
  if (oskit_udp_endpoint* e = c->endpoint_.load()) e->source(&d.from);
  buf->getsize(&d.buffer_size);
  {
    std::lock_guard<std::mutex> lock(c->mu_);
    c->got_.push_back(std::move(d));
  }
  c->cv_.notify_all();
  return c->also ? c->also(buf, size) : 0;
}

void Collector::on_release(void* self) { static_cast<Collector*>(self)->released_++; }

std::vector<Datagram> Collector::wait_for(size_t n) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return got_.size() >= n; });
  return got_;
}

size_t Collector::count() {
  std::lock_guard<std::mutex> lock(mu_);
  return got_.size();
}

}  // namespace oskit::udp::testing
