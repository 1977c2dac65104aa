// Opening and closing an endpoint, and its control interface.
#include "components/udp/endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <evl/net/net.h>

#include "glue/bufio/recycled_pool.h"
#include "oskit/com/description.h"
#include "oskit/com/status.h"

extern "C" const struct oskit_guid oskit_udp_endpoint_iid = OSKIT_UDP_ENDPOINT_IID;

namespace oskit::udp {
namespace {

oskit_error_t last_error() { return oskit_error_from_errno(errno); }

bool given(const sockaddr_in& a) { return a.sin_family == AF_INET; }
bool acceptable(const sockaddr_in& a) { return a.sin_family == 0 || a.sin_family == AF_INET; }

const sockaddr* sa(const sockaddr_in* a) { return reinterpret_cast<const sockaddr*>(a); }

oskit_error_t solicit(int fd, const sockaddr_in& peer) {
  int rc = evl_net_solicit(fd, sa(&peer), EVL_NEIGH_PERMANENT);
  return rc == 0 ? 0 : oskit_error_from_errno(-rc);
}

// What open() has made so far; given back unless kept.
struct Making {
  int fd = -1;
  int poll_fd = -1;
  char* tx_scratch = nullptr;
  char* rx_scratch = nullptr;
  oskit_size_t rx_size = 0;
  ~Making() {
    if (poll_fd >= 0) ::close(poll_fd);
    if (fd >= 0) ::close(fd);
    if (tx_scratch != nullptr) oskit_heap_free(tx_scratch, kMaxDatagram, 64);
    if (rx_scratch != nullptr) oskit_heap_free(rx_scratch, rx_size, 64);
  }
  void keep() { fd = poll_fd = -1, tx_scratch = rx_scratch = nullptr; }
};

oskit_error_t check(const oskit_udp_options_t& o) {
  if (o.rx_buffer_size > kMaxDatagram || o.receive_timeout_ns < 0) return OSKIT_EINVAL;
  if (!acceptable(o.local) || !acceptable(o.peer)) return OSKIT_EINVAL;
  return 0;
}

// The kernel's receive buffer: room for as many datagrams as the endpoint
// has buffers (the kernel adds its own bookkeeping per datagram and caps the
// size at net.core.rmem_max).
void size_receive_buffer(int fd, oskit_size_t count, oskit_size_t size) {
  constexpr oskit_size_t kPerDatagram = 512;
  const oskit_size_t bytes = count * (size + kPerDatagram);
  const int value = bytes > INT_MAX / 2 ? INT_MAX / 2 : static_cast<int>(bytes);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, sizeof value);
}

// The socket of an endpoint: bound, and connected when a peer is given.
oskit_error_t make_socket(const oskit_udp_options_t& o, Making* m) {
  m->fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_OOB, 0);
  if (m->fd < 0) return last_error();
  size_receive_buffer(m->fd, o.rx_buffers != 0 ? o.rx_buffers : OSKIT_UDP_DEFAULT_RX_BUFFERS, m->rx_size);
  sockaddr_in local = o.local;
  if (!given(local)) {
    std::memset(&local, 0, sizeof local);
    local.sin_family = AF_INET;
  }
  if (::bind(m->fd, sa(&local), sizeof local) != 0) return last_error();
  if (given(o.peer)) {
    if (::connect(m->fd, sa(&o.peer), sizeof o.peer) != 0) return last_error();
    if (o.solicit_peer) {
      oskit_error_t rc = solicit(m->fd, o.peer);
      if (rc != 0) return rc;
    }
  }
  return evl::OobFile::open_poll_set(m->fd, evl::kOobRead | evl::kOobWrite, &m->poll_fd);
}

}  // namespace

oskit_error_t UdpEndpoint::open(const oskit_udp_options_t& o, oskit_netio* recv, ComPtr<UdpEndpoint>* out) noexcept {
  oskit_error_t rc = check(o);
  if (rc != 0) return rc;
  Making m;
  m.rx_size = o.rx_buffer_size != 0 ? o.rx_buffer_size : OSKIT_UDP_DEFAULT_RX_BUFFER_SIZE;
  ComPtr<oskit_bufio_pool> pool = ComPtr<oskit_bufio_pool>::copy(o.pool);
  if (!pool) {
    rc = bufio::make_recycled_pool(o.rx_buffers != 0 ? o.rx_buffers : OSKIT_UDP_DEFAULT_RX_BUFFERS, m.rx_size, &pool);
    if (rc != 0) return rc;
  }
  rc = make_socket(o, &m);
  if (rc != 0) return rc;
  m.tx_scratch = static_cast<char*>(oskit_heap_alloc(kMaxDatagram, 64));
  m.rx_scratch = static_cast<char*>(oskit_heap_alloc(m.rx_size, 64));
  if (m.tx_scratch == nullptr || m.rx_scratch == nullptr) return OSKIT_ENOMEM;
  Setup setup{m.fd,
              m.poll_fd,
              ComPtr<oskit_netio>::copy(recv),
              std::move(pool),
              m.rx_size,
              o.receive_timeout_ns,
              o.solicit_peer != 0,
              o.nonblocking_send != 0,
              m.tx_scratch,
              m.rx_scratch};
  ComPtr<UdpEndpoint> endpoint = make<UdpEndpoint>(std::move(setup));
  if (!endpoint) return OSKIT_ENOMEM;
  m.keep();
  if (!endpoint->start_receiving()) return OSKIT_ENOMEM;
  *out = std::move(endpoint);
  return 0;
}

UdpEndpoint::UdpEndpoint(Setup s) noexcept
    : OobFileEvents(s.fd, s.poll_fd, evl::kOobRead | evl::kOobWrite),
      fd_(s.fd),
      pool_(std::move(s.pool)),
      rx_size_(s.rx_size),
      timeout_ns_(s.timeout_ns),
      solicit_(s.solicit),
      nonblocking_(s.nonblocking),
      recv_(std::move(s.recv)),
      tx_scratch_(s.tx_scratch),
      rx_scratch_(s.rx_scratch) {}

void UdpEndpoint::last_reference_gone() noexcept {
  stopping_.store(true, std::memory_order_seq_cst);
  ::shutdown(fd_, SHUT_RD);  // wakes the receive thread, which also looks at stopping_ when a wait ends
  if (receiver_) receiver_->join();
  recv_.reset();
}

UdpEndpoint::~UdpEndpoint() {
  oskit_heap_free(tx_scratch_, kMaxDatagram, 64);
  oskit_heap_free(rx_scratch_, rx_size_, 64);
}

OSKIT_COMDECL UdpEndpoint::alloc_bufio(oskit_size_t size, oskit_bufio** out_buf) noexcept {
  if (out_buf == nullptr) return OSKIT_E_POINTER;
  *out_buf = nullptr;
  return pool_->alloc(size, out_buf);
}

OSKIT_COMDECL UdpEndpoint::getsockname(struct sockaddr_in* out_addr) noexcept {
  if (out_addr == nullptr) return OSKIT_E_POINTER;
  socklen_t len = sizeof *out_addr;
  return ::getsockname(fd_, reinterpret_cast<sockaddr*>(out_addr), &len) == 0 ? 0 : last_error();
}

OSKIT_COMDECL UdpEndpoint::getpeername(struct sockaddr_in* out_addr) noexcept {
  if (out_addr == nullptr) return OSKIT_E_POINTER;
  socklen_t len = sizeof *out_addr;
  return ::getpeername(fd_, reinterpret_cast<sockaddr*>(out_addr), &len) == 0 ? 0 : last_error();
}

OSKIT_COMDECL UdpEndpoint::connect(const struct sockaddr_in* peer) noexcept {
  sockaddr_in none;
  std::memset(&none, 0, sizeof none);
  none.sin_family = AF_UNSPEC;
  const bool connecting = peer != nullptr && peer->sin_family != AF_UNSPEC;
  if (connecting && peer->sin_family != AF_INET) return OSKIT_EAFNOSUPPORT;
  const sockaddr_in* to = connecting ? peer : &none;
  if (::connect(fd_, sa(to), sizeof *to) != 0) return last_error();
  return connecting && solicit_ ? solicit(fd_, *peer) : 0;
}

OSKIT_COMDECL UdpEndpoint::source(struct sockaddr_in* out_addr) noexcept {
  if (out_addr == nullptr) return OSKIT_E_POINTER;
  if (rx_thread_.load(std::memory_order_acquire) != std::this_thread::get_id() || !delivering_) return OSKIT_EINVAL;
  *out_addr = current_source_;
  return 0;
}

OSKIT_COMDECL UdpEndpoint::getstats(oskit_udp_stats_t* out_stats) noexcept {
  if (out_stats == nullptr) return OSKIT_E_POINTER;
  out_stats->sent = sent_.get();
  out_stats->sent_bytes = sent_bytes_.get();
  out_stats->send_errors = send_errors_.get();
  out_stats->received = received_.get();
  out_stats->received_bytes = received_bytes_.get();
  out_stats->truncated = truncated_.get();
  out_stats->dropped_no_buffer = dropped_.get();
  out_stats->consumer_errors = consumer_errors_.get();
  out_stats->receive_errors = receive_errors_.get();
  out_stats->receive_timeouts = receive_timeouts_.get();
  return 0;
}

OSKIT_COMDECL UdpEndpoint::describe(const oskit_description_sink* sink) noexcept {
  char detail[48];
  file_.describe_detail(detail, sizeof detail);
  return describe_to(sink, [&](Description& d) {
    d.kind(kKind, detail).answers("udp_endpoint").holds("receiver", recv_).holds("pool", pool_);
    d.counter("sent", sent_.get()).counter("sent_bytes", sent_bytes_.get()).counter("send_errors", send_errors_.get());
    d.counter("received", received_.get()).counter("received_bytes", received_bytes_.get());
    d.counter("truncated", truncated_.get()).counter("dropped_no_buffer", dropped_.get());
    d.counter("consumer_errors", consumer_errors_.get()).counter("receive_errors", receive_errors_.get());
    d.counter("receive_timeouts", receive_timeouts_.get());
  });
}

}  // namespace oskit::udp

absl::StatusOr<oskit::ComPtr<oskit_netio>> oskit::udp_open(const oskit_udp_options_t& opts, oskit_netio* recv_netio) {
  ComPtr<oskit_netio> send;
  oskit_error_t rc = oskit_udp_open(&opts, recv_netio, send.put());
  if (rc != 0) return to_status(rc, "oskit_udp_open");
  return send;
}

extern "C" oskit_error_t oskit_udp_open(const oskit_udp_options_t* opts, oskit_netio_t* recv_netio,
                                        oskit_netio_t** out_send_netio) {
  if (out_send_netio == nullptr) return OSKIT_E_POINTER;
  *out_send_netio = nullptr;
  if (recv_netio == nullptr) return OSKIT_E_POINTER;
  const oskit_udp_options_t defaults = {};
  oskit::ComPtr<oskit::udp::UdpEndpoint> endpoint;
  oskit_error_t rc = oskit::udp::UdpEndpoint::open(opts != nullptr ? *opts : defaults, recv_netio, &endpoint);
  if (rc != 0) return rc;
  *out_send_netio = endpoint.detach();
  return 0;
}

extern "C" oskit_error_t oskit_udp_address(const char* ip, oskit_u16_t port, struct sockaddr_in* out) {
  if (ip == nullptr || out == nullptr) return OSKIT_E_POINTER;
  std::memset(out, 0, sizeof *out);
  if (inet_pton(AF_INET, ip, &out->sin_addr) != 1) return OSKIT_EINVAL;
  out->sin_family = AF_INET;
  out->sin_port = htons(port);
  return 0;
}
