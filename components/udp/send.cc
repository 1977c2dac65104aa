// The send side: a pushed bufio leaves as one datagram, taken in place when
// the bufio maps and read out otherwise; out-of-band from an EVL thread,
// in-band from any other (glue/oob_file's stage policy).
#include <errno.h>
#include <sys/socket.h>

#include <evl/net/socket.h>

#include "components/udp/endpoint.h"

namespace oskit::udp {

oskit_error_t UdpEndpoint::count_send(oskit_error_t rc, oskit_size_t size) noexcept {
  if (rc != 0) {
    send_errors_.add();
    return rc;
  }
  sent_.add();
  sent_bytes_.add(size);
  return 0;
}

oskit_error_t UdpEndpoint::send(oskit_bufio* buf, oskit_size_t size, const sockaddr_in* dest) noexcept {
  if (buf == nullptr) return OSKIT_E_POINTER;
  oskit_off_t buf_size = 0;
  oskit_error_t rc = buf->getsize(&buf_size);
  if (rc != 0) return rc;
  if (buf_size < 0 || size > static_cast<oskit_u64_t>(buf_size)) return OSKIT_EINVAL;
  if (size > kMaxDatagram) return count_send(OSKIT_EMSGSIZE, size);
  if (size == 0) return count_send(transmit(iovec{nullptr, 0}, dest), 0);
  void* data = nullptr;
  if (buf->map(&data, 0, size) != 0) return send_copy(buf, size, dest);
  rc = transmit(iovec{data, size}, dest);
  buf->unmap(data, 0, size);
  return count_send(rc, size);
}

oskit_error_t UdpEndpoint::send_copy(oskit_bufio* buf, oskit_size_t size, const sockaddr_in* dest) noexcept {
  MutexLock lock(&tx_scratch_mu_);
  oskit_size_t got = 0;
  oskit_error_t rc = buf->read(tx_scratch_, 0, size, &got);
  if (rc == 0 && got != size) rc = OSKIT_EIO;
  if (rc == 0) rc = transmit(iovec{tx_scratch_, size}, dest);
  return count_send(rc, size);
}

oskit_error_t UdpEndpoint::transmit(const struct iovec& iov, const sockaddr_in* dest) noexcept {
  struct iovec one = iov;
  if (evl::caller_is_evl_thread()) {
    struct oob_msghdr msg = {};
    msg.msg_iov = &one;
    msg.msg_iovlen = 1;
    msg.msg_name = const_cast<sockaddr_in*>(dest);
    msg.msg_namelen = dest != nullptr ? sizeof *dest : 0;
    ssize_t n = oob_sendmsg(fd_, &msg, nullptr, nonblocking_ ? MSG_DONTWAIT : 0);
    return n < 0 ? oskit_error_from_errno(errno) : 0;
  }
  struct msghdr msg = {};
  msg.msg_iov = &one;
  msg.msg_iovlen = 1;
  msg.msg_name = const_cast<sockaddr_in*>(dest);
  msg.msg_namelen = dest != nullptr ? sizeof *dest : 0;
  ssize_t n;
  do {
    n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | (nonblocking_ ? MSG_DONTWAIT : 0));
  } while (n < 0 && errno == EINTR);
  return n < 0 ? oskit_error_from_errno(errno) : 0;
}

}  // namespace oskit::udp
