// The UDP endpoint's object (components/udp/udp.h): opening and the control
// interface in endpoint.cc, the send side in send.cc, the receive thread in
// receive.cc.
#ifndef COMPONENTS_UDP_ENDPOINT_H
#define COMPONENTS_UDP_ENDPOINT_H

#include <netinet/in.h>
#include <sys/uio.h>

#include <atomic>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "components/udp/udp.h"
#include "glue/env/env.h"
#include "glue/oob_file/oob_file.h"
#include "oskit/com/implements.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/posixio.h"
#include "oskit/sync/mutex.h"

namespace oskit::udp {

// The largest UDP payload over IPv4.
inline constexpr oskit_size_t kMaxDatagram = 65507;

// netio and oskit_udp_endpoint; asyncio and posixio are the socket's
// (glue/oob_file); describe reports the socket, the receive netio and pool it
// holds and the endpoint's counters.
class UdpEndpoint : public evl::OobFileEvents<UdpEndpoint, oskit_netio, oskit_udp_endpoint> {
 public:
  static constexpr const char* kKind = "udp_endpoint";

  // Opens the socket and starts receiving (udp.h, oskit_udp_open).
  static oskit_error_t open(const oskit_udp_options_t& opts, oskit_netio* recv, ComPtr<UdpEndpoint>* out) noexcept;

  // netio (the send side)
  OSKIT_COMDECL push(oskit_bufio* buf, oskit_size_t size) noexcept override { return send(buf, size, nullptr); }
  OSKIT_COMDECL alloc_bufio(oskit_size_t size, oskit_bufio** out_buf) noexcept override;

  // oskit_udp_endpoint
  OSKIT_COMDECL getsockname(struct sockaddr_in* out_addr) noexcept override;
  OSKIT_COMDECL getpeername(struct sockaddr_in* out_addr) noexcept override;
  OSKIT_COMDECL connect(const struct sockaddr_in* peer) noexcept override;
  OSKIT_COMDECL sendto(oskit_bufio_t* buf, oskit_size_t size, const struct sockaddr_in* dest) noexcept override {
    return send(buf, size, dest);
  }
  OSKIT_COMDECL source(struct sockaddr_in* out_addr) noexcept override;
  OSKIT_COMDECL getstats(oskit_udp_stats_t* out_stats) noexcept override;

  // describe
  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override;

 protected:
  // What open() made and checked.
  struct Setup {
    int fd;
    int poll_fd;
    ComPtr<oskit_netio> recv;
    ComPtr<oskit_bufio_pool> pool;
    oskit_size_t rx_size;
    oskit_s64_t timeout_ns;
    bool solicit;
    bool nonblocking;
    char* tx_scratch;  // kMaxDatagram bytes from the object heap
    char* rx_scratch;  // rx_size bytes from the object heap
  };
  explicit UdpEndpoint(Setup setup) noexcept;
  ~UdpEndpoint() override;

 public:
  // The last release: stops the receive thread while the object is whole (a
  // push under way may still call it), then releases the receive netio. The
  // socket closes with the file (OobFileEvents) at destruction.
  void last_reference_gone() noexcept;

 protected:
 private:
  struct Counter {
    std::atomic<oskit_u64_t> n{0};
    void add(oskit_u64_t k = 1) { n.fetch_add(k, std::memory_order_relaxed); }
    oskit_u64_t get() const { return n.load(std::memory_order_relaxed); }
  };

  // send.cc
  oskit_error_t send(oskit_bufio* buf, oskit_size_t size, const sockaddr_in* dest) noexcept;
  oskit_error_t send_copy(oskit_bufio* buf, oskit_size_t size, const sockaddr_in* dest) noexcept;
  oskit_error_t transmit(const struct iovec& iov, const sockaddr_in* dest) noexcept;
  oskit_error_t count_send(oskit_error_t rc, oskit_size_t size) noexcept;

  // receive.cc
  bool start_receiving() noexcept;
  void receive_loop() noexcept;
  void receive_one() noexcept;
  // A buffer for the next datagram, mapped when it maps; false when the pool
  // has none.
  bool take_buffer(ComPtr<oskit_bufio>* buf, void** mapped, oskit_size_t* capacity) noexcept;
  // Waits for one datagram into iov; its size, or -errno.
  ssize_t wait_for_datagram(const struct iovec& iov, sockaddr_in* from, bool* truncated) noexcept;
  void note_receive_error(int err) noexcept;
  void deliver(oskit_bufio* buf, oskit_size_t size, const sockaddr_in& from) noexcept;
  void drop_for_lack_of_buffer() noexcept;

  const int fd_;
  const ComPtr<oskit_bufio_pool> pool_;
  const oskit_size_t rx_size_;
  const oskit_s64_t timeout_ns_;
  const bool solicit_;
  const bool nonblocking_;
  ComPtr<oskit_netio> recv_;

  Mutex tx_scratch_mu_;
  char* const tx_scratch_ ABSL_PT_GUARDED_BY(tx_scratch_mu_);
  char* const rx_scratch_;  // the receive thread's

  std::atomic<bool> stopping_{false};
  std::atomic<std::thread::id> rx_thread_{};
  bool delivering_ = false;          // the receive thread's
  sockaddr_in current_source_ = {};  // the receive thread's
  std::unique_ptr<env::WorkerThread> receiver_;

  Counter sent_, sent_bytes_, send_errors_, received_, received_bytes_, truncated_, dropped_, consumer_errors_,
      receive_errors_, receive_timeouts_;
};

}  // namespace oskit::udp

#endif  // COMPONENTS_UDP_ENDPOINT_H
