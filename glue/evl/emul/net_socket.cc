#include "glue/evl/emul/net_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <new>

#include "glue/evl/driver.h"
#include "glue/evl/emul/deadline.h"
#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/net_worker.h"
#include "glue/evl/emul/readiness_relay.h"
#include "glue/evl/emul/real.h"
#include "glue/evl/emul/stage_tracking.h"
#include "glue/evl/stage.h"

namespace oskit::evl::emul {
namespace {

NetSocket* sock(oskit_evl_file* f) { return static_cast<NetSocket*>(f->private_data); }

bool nonblocking(const oskit_evl_file* f) { return (oskit_evl_file_flags(f) & O_NONBLOCK) != 0; }

bool passed(const struct timespec* deadline) {
  if (deadline == nullptr) return false;
  const struct timespec now = monotonic_now();
  return now.tv_sec > deadline->tv_sec || (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

// Waits on ev for a change after ticket, as w allows: 0 to look again, or
// the error to return.
int wait_on(const Event& ev, std::uint32_t ticket, const Wait& w) {
  if (w.nonblock) return -EAGAIN;
  if (passed(w.deadline)) return -w.expired;
  return ev.wait(ticket, w.deadline) ? 0 : -w.expired;
}

bool attached() { return self().stage != OSKIT_EVL_STAGE_UNATTACHED; }

ssize_t transfer_in(oskit_evl_file* f, void* buf, size_t count, bool oob) {
  if (count == 0) return 0;  // as read(2) on a socket: nothing is consumed
  struct iovec iov = {buf, count};
  struct timespec storage;
  Wait w = oob ? Wait{nonblocking(f), nullptr, ETIMEDOUT} : inband_wait(*sock(f), true, nonblocking(f), &storage);
  DatagramRing::Taken taken;
  return sock(f)->receive(&iov, 1, nullptr, false, w, &taken);
}

ssize_t transfer_out(oskit_evl_file* f, const void* buf, size_t count, bool oob) {
  if (count == 0) return 0;  // as write(2) on a socket: nothing is sent
  if (count > kMaxDatagram) return -EMSGSIZE;
  struct iovec iov = {const_cast<void*>(buf), count};
  struct timespec storage;
  Wait w = oob ? Wait{nonblocking(f), nullptr, ETIMEDOUT} : inband_wait(*sock(f), false, nonblocking(f), &storage);
  return sock(f)->send(&iov, 1, count, nullptr, 0, w);
}

ssize_t net_oob_read(oskit_evl_file* f, void* buf, size_t count) {
  return attached() ? transfer_in(f, buf, count, true) : -EPERM;
}

ssize_t net_oob_write(oskit_evl_file* f, const void* buf, size_t count) {
  return attached() ? transfer_out(f, buf, count, true) : -EPERM;
}

ssize_t net_read(oskit_evl_file* f, void* buf, size_t count) { return transfer_in(f, buf, count, false); }

ssize_t net_write(oskit_evl_file* f, const void* buf, size_t count) { return transfer_out(f, buf, count, false); }

// FIONREAD (SIOCINQ) tells the next datagram's size, TIOCOUTQ (SIOCOUTQ) the
// bytes waiting to be sent; in-band, anything else reaches the kernel socket.
long net_ioctl(oskit_evl_file* f, unsigned int cmd, unsigned long arg) {
  if (cmd == FIONREAD) return oskit_evl_reply_fionread(arg, static_cast<size_t>(sock(f)->next_size()));
  if (cmd == TIOCOUTQ) return oskit_evl_reply_fionread(arg, static_cast<size_t>(sock(f)->queued_output()));
  int rc = ::ioctl(sock(f)->kernel_fd(), cmd, arg);
  return rc < 0 ? -errno : rc;
}

long net_oob_ioctl(oskit_evl_file* f, unsigned int cmd, unsigned long arg) {
  if (!attached()) return -EPERM;
  if (cmd == FIONREAD) return oskit_evl_reply_fionread(arg, static_cast<size_t>(sock(f)->next_size()));
  return -ENOTTY;
}

unsigned int net_poll(oskit_evl_file* f, unsigned int) { return sock(f)->poll_events(); }
void net_flush(oskit_evl_file* f) { sock(f)->begin_close(); }
void net_release(oskit_evl_file* f) { sock(f)->destroy(); }

const oskit_evl_file_operations kSocketOps = {
    nullptr,  net_flush, net_release, net_oob_read, net_oob_write, net_oob_ioctl,
    net_read, net_write, net_ioctl,   net_poll,     nullptr,
};

// EVL extends IPv4 UDP sockets only (the EVL documentation, "UDP over IPv4").
int check_protocol(int kfd, int domain, int kind) {
  if (domain != AF_INET) return -EPROTONOSUPPORT;
  int protocol = 0;
  socklen_t len = sizeof protocol;
  if (getsockopt(kfd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0) return -errno;
  if (protocol != IPPROTO_UDP) return -EPROTONOSUPPORT;
  return kind == SOCK_DGRAM ? 0 : -ESOCKTNOSUPPORT;
}

}  // namespace

Wait inband_wait(const NetSocket& s, bool receiving, bool nonblock, struct timespec* storage) {
  const long ns = s.timeout_ns(receiving);
  if (ns <= 0) return Wait{nonblock, nullptr, EAGAIN};
  *storage = monotonic_now();
  const long nsec = storage->tv_nsec + ns % 1000000000;
  storage->tv_sec += ns / 1000000000 + nsec / 1000000000;
  storage->tv_nsec = nsec % 1000000000;
  return Wait{nonblock, storage, EAGAIN};
}

int NetSocket::create(int domain, int type, int protocol) {
  inband_syscall("socket");
  const int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  int kfd = ::socket(domain, kind | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (kfd < 0) return -errno;
  int rc = check_protocol(kfd, domain, kind);
  NetWorker* worker = rc == 0 ? NetWorker::get() : nullptr;
  if (rc == 0 && worker == nullptr) rc = -ENOMEM;
  NetSocket* s = rc == 0 ? new (std::nothrow) NetSocket : nullptr;
  if (rc == 0 && s == nullptr) rc = -ENOMEM;
  if (rc < 0) {
    real::close(kfd);
    return rc;
  }
  s->kfd_ = kfd;
  s->worker_ = worker;
  if (!s->rx_.init(kReceiveRing) || !s->tx_.init(kSendRing)) {
    delete s;
    return -ENOMEM;
  }
  int fd = open_file(nullptr, &kSocketOps, s, O_RDWR | ((type & SOCK_NONBLOCK) ? O_NONBLOCK : 0));
  if (fd < 0) {
    delete s;
    return fd;
  }
  s->file_ = lookup(fd).get();  // valid until close_file() releases the socket
  rc = worker->watch(s);
  if (rc < 0) {
    close_file(fd);
    return rc;
  }
  return fd;
}

NetSocket* NetSocket::of(File* file) {
  return file != nullptr && file->fops == &kSocketOps ? static_cast<NetSocket*>(file->cfile()->private_data) : nullptr;
}

NetSocket::~NetSocket() {
  if (kfd_ >= 0) real::close(kfd_);
}

ssize_t NetSocket::send(const struct iovec* iov, size_t iovcnt, size_t len, const sockaddr_in* dest, int kernel_flags,
                        const Wait& wait) {
  for (;;) {
    const std::uint32_t ticket = tx_room_.ticket();
    if (int err = take_error()) return -err;
    if (closing_.load(std::memory_order_acquire)) return -EBADF;
    if (wr_shut_.load(std::memory_order_acquire)) return -EPIPE;
    if (dest == nullptr && !connected_.load(std::memory_order_acquire)) return -EDESTADDRREQ;
    if (tx_.push(iov, iovcnt, len, dest, kernel_flags)) break;
    if (int rc = wait_on(tx_room_, ticket, wait)) return rc;
  }
  if (!can_queue_any()) notify(file_);
  worker_->kick(this, NetWorker::kSend);
  return static_cast<ssize_t>(len);
}

ssize_t NetSocket::receive(const struct iovec* iov, size_t iovcnt, sockaddr_in* from, bool peek, const Wait& wait,
                           DatagramRing::Taken* taken) {
  *taken = DatagramRing::Taken{0, 0};
  for (;;) {
    const std::uint32_t ticket = rx_ready_.ticket();
    if (int err = take_error()) return -err;
    if (rx_.pop(iov, iovcnt, from, peek, taken)) break;
    if (rd_shut_.load(std::memory_order_acquire)) return 0;
    if (closing_.load(std::memory_order_acquire)) return -EBADF;
    if (int rc = wait_on(rx_ready_, ticket, wait)) return rc;
  }
  if (!peek) {
    // Out-of-band, the worker refreshes the readiness (with the reply such a
    // caller often queues next) in place of the relay thread.
    if (rx_.empty()) caller_is_oob() ? worker_->kick(this, NetWorker::kRefresh) : notify(file_);
    if (rx_stalled_.load(std::memory_order_acquire) && rx_.room_for(kMaxDatagram) > 0 && rx_stalled_.exchange(false)) {
      worker_->kick(this, NetWorker::kReceive);
    }
  }
  return static_cast<ssize_t>(taken->copied);
}

int NetSocket::take_error() {
  int err = error_.exchange(0, std::memory_order_acq_rel);
  if (err != 0) notify(file_);
  return err;
}

void NetSocket::set_error(int err) {
  int none = 0;
  error_.compare_exchange_strong(none, err, std::memory_order_acq_rel);
  rx_ready_.wake_all();
  tx_room_.wake_all();
  notify(file_);
}

void NetSocket::shut(bool reading, bool writing) {
  if (reading) rd_shut_.store(true, std::memory_order_release);
  if (writing) wr_shut_.store(true, std::memory_order_release);
  rx_ready_.wake_all();
  tx_room_.wake_all();
  notify(file_);
}

unsigned int NetSocket::poll_events() const {
  unsigned int events = 0;
  const bool rd_shut = rd_shut_.load(std::memory_order_acquire);
  const bool wr_shut = wr_shut_.load(std::memory_order_acquire);
  if (rd_shut || !rx_.empty()) events |= POLLIN | POLLRDNORM;
  if (!wr_shut && can_queue_any()) events |= POLLOUT | POLLWRNORM;
  if (error_.load(std::memory_order_acquire) != 0) events |= POLLERR;
  if (rd_shut && wr_shut) events |= POLLHUP;
  return events;
}

int NetSocket::next_size() const {
  long len = rx_.front_len();
  return len < 0 ? 0 : static_cast<int>(len);
}

void NetSocket::begin_close() {
  closing_.store(true, std::memory_order_seq_cst);
  rx_ready_.wake_all();
  tx_room_.wake_all();
}

void NetSocket::destroy() {
  worker_->kick(this, NetWorker::kSend);
  while (!tx_.empty()) {  // what was queued still leaves, as from a closed kernel socket
    const std::uint32_t ticket = tx_room_.ticket();
    if (tx_.empty()) break;
    tx_room_.wait(ticket);
  }
  worker_->unwatch(this);
  delete this;
}

// The descriptor's readiness is refreshed after every change the worker makes
// (a refresh costs a system call only when the readiness flips).
void NetSocket::received() {
  rx_ready_.wake_all();
  notify(file_);
}

void NetSocket::sent() {
  tx_room_.wake_all();
  notify(file_);
}

}  // namespace oskit::evl::emul
