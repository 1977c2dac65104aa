// The receive thread: an EVL thread that takes each datagram out-of-band
// straight into a buffer of the pool and pushes it into the receive netio.
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include <evl/net/socket.h>

#include "absl/strings/str_format.h"
#include "components/udp/endpoint.h"
#include "glue/evl/evl_thread.h"

namespace oskit::udp {
namespace {

// Without a receive timeout the thread still looks at the stop request this
// often, in case closing the socket's receive side does not wake it.
constexpr oskit_s64_t kStopCheckNs = 250000000;

// An absolute CLOCK_MONOTONIC time ns from now: the clock oob_recvmsg's
// timeout is read against.
struct timespec deadline_after(oskit_s64_t ns) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  const oskit_s64_t nsec = t.tv_nsec + ns % 1000000000;
  t.tv_sec += static_cast<time_t>(ns / 1000000000 + nsec / 1000000000);
  t.tv_nsec = static_cast<long>(nsec % 1000000000);
  return t;
}

// Logs the 1st, 2nd, 4th, 8th... occurrence of something counted.
bool worth_logging(oskit_u64_t count) { return (count & (count - 1)) == 0; }

}  // namespace

bool UdpEndpoint::start_receiving() noexcept {
  static std::atomic<int> serial{0};
  const std::string name = absl::StrFormat("udp-rx:%d:%d", static_cast<int>(getpid()), serial.fetch_add(1));
  auto thread = evl::start_evl_thread(name, [this] { receive_loop(); });
  if (!thread.ok()) return false;
  receiver_ = std::move(thread).value();
  return true;
}

void UdpEndpoint::receive_loop() noexcept {
  rx_thread_.store(std::this_thread::get_id(), std::memory_order_release);
  while (!stopping_.load(std::memory_order_acquire)) receive_one();
}

void UdpEndpoint::receive_one() noexcept {
  ComPtr<oskit_bufio> buf;
  void* mapped = nullptr;
  oskit_size_t capacity = 0;
  const bool have = take_buffer(&buf, &mapped, &capacity);
  const struct iovec into = mapped != nullptr ? iovec{mapped, capacity} : iovec{rx_scratch_, rx_size_};
  sockaddr_in from;
  bool truncated = false;
  const ssize_t n = wait_for_datagram(into, &from, &truncated);
  if (mapped != nullptr) buf->unmap(mapped, 0, capacity);
  if (n < 0) return note_receive_error(static_cast<int>(-n));
  if (from.sin_family != AF_INET) return;  // no datagram: the receive side was shut down
  if (!have && pool_->alloc(rx_size_, buf.put()) != 0) return drop_for_lack_of_buffer();
  if (mapped == nullptr) {
    oskit_size_t written = 0;
    if (buf->write(rx_scratch_, 0, static_cast<oskit_size_t>(n), &written) != 0 ||
        written != static_cast<oskit_size_t>(n)) {
      return drop_for_lack_of_buffer();  // a buffer that cannot hold the datagram is no buffer
    }
  }
  if (truncated) truncated_.add();
  deliver(buf.get(), static_cast<oskit_size_t>(n), from);
}

bool UdpEndpoint::take_buffer(ComPtr<oskit_bufio>* buf, void** mapped, oskit_size_t* capacity) noexcept {
  if (pool_->alloc(rx_size_, buf->put()) != 0) return false;
  oskit_off_t size = 0;
  if ((*buf)->getsize(&size) != 0 || size <= 0) return true;
  *capacity = static_cast<oskit_size_t>(size) < kMaxDatagram ? static_cast<oskit_size_t>(size) : kMaxDatagram;
  if ((*buf)->map(mapped, 0, *capacity) != 0) *mapped = nullptr;
  return true;
}

ssize_t UdpEndpoint::wait_for_datagram(const struct iovec& iov, sockaddr_in* from, bool* truncated) noexcept {
  struct iovec one = iov;
  std::memset(from, 0, sizeof *from);
  struct oob_msghdr msg = {};
  msg.msg_iov = &one;
  msg.msg_iovlen = 1;
  msg.msg_name = from;
  msg.msg_namelen = sizeof *from;
  const struct timespec deadline = deadline_after(timeout_ns_ > 0 ? timeout_ns_ : kStopCheckNs);
  ssize_t n = oob_recvmsg(fd_, &msg, &deadline, 0);
  if (n < 0) return -errno;
  *truncated = (msg.msg_flags & MSG_TRUNC) != 0;
  return n;
}

void UdpEndpoint::note_receive_error(int err) noexcept {
  if (err == ETIMEDOUT) {
    if (timeout_ns_ > 0) receive_timeouts_.add();
    return;
  }
  if (stopping_.load(std::memory_order_acquire)) return;
  receive_errors_.add();
  const oskit_u64_t count = receive_errors_.get();
  if (worth_logging(count)) {
    env::logf(env::LogLevel::kWarning, "udp: receive error %d (%s), %d so far", err, strerror(err),
              static_cast<int>(count));
  }
}

void UdpEndpoint::drop_for_lack_of_buffer() noexcept {
  dropped_.add();
  const oskit_u64_t count = dropped_.get();
  if (worth_logging(count)) {
    env::logf(env::LogLevel::kWarning, "udp: no buffer for a received datagram: %d dropped so far",
              static_cast<int>(count));
  }
}

void UdpEndpoint::deliver(oskit_bufio* buf, oskit_size_t size, const sockaddr_in& from) noexcept {
  received_.add();
  received_bytes_.add(size);
  current_source_ = from;
  delivering_ = true;
  if (recv_->push(buf, size) != 0) consumer_errors_.add();
  delivering_ = false;
}

}  // namespace oskit::udp
