// A receive netio for the endpoint's tests: it keeps a copy of every
// datagram pushed into it, with its sender, and lets a test wait for them.
#ifndef COMPONENTS_UDP_TEST_COLLECTOR_H
#define COMPONENTS_UDP_TEST_COLLECTOR_H

#include <netinet/in.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "components/udp/udp.h"
#include "oskit/com/ptr.h"

namespace oskit::udp::testing {

struct Datagram {
  std::string data;
  sockaddr_in from;
  oskit_off_t buffer_size;  // the size of the bufio it came in
};

class Collector {
 public:
  Collector();
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // The netio to open an endpoint with (the collector keeps its reference
  // until give_away()).
  oskit_netio* netio() const { return netio_.get(); }
  // Drops the collector's own reference: the endpoint then holds the last.
  void give_away() { netio_.reset(); }
  // Tells the collector its endpoint, so that it can ask each datagram's
  // sender (oskit_udp_endpoint source).
  void attach(oskit_netio* send_netio);

  // Blocks (no time limit) until n datagrams have come; returns them all.
  std::vector<Datagram> wait_for(size_t n);
  size_t count();
  // Times the netio was released for good.
  int released() const { return released_.load(); }

  // Runs on every push after the datagram is recorded; its result is push's.
  std::function<oskit_error_t(oskit_bufio*, oskit_size_t)> also;

 private:
  static oskit_error_t on_push(void* self, oskit_bufio_t* buf, oskit_size_t size);
  static void on_release(void* self);

  ComPtr<oskit_netio> netio_;
  std::atomic<oskit_udp_endpoint*> endpoint_{nullptr};
  std::atomic<int> released_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Datagram> got_;
};

}  // namespace oskit::udp::testing

#endif  // COMPONENTS_UDP_TEST_COLLECTOR_H
