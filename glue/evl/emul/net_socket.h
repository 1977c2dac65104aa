// Out-of-band UDP sockets (docs/design.md, "UDP"). socket(AF_INET,
// SOCK_DGRAM | SOCK_OOB, 0) makes a kernel UDP socket, kept by the emulation,
// and an EVL file whose descriptor the caller gets. Socket calls on that
// descriptor (bind, connect, setsockopt, ...) reach the kernel socket; data
// goes through two datagram rings: out-of-band and in-band senders queue into
// the send ring and receivers take from the receive ring without a system
// call, while an in-band worker (net_worker.h) moves datagrams between the
// rings and the kernel, as EVL's network stack hands work to the in-band
// stage. The descriptor's readiness mirrors the rings (POLLIN: a datagram
// waits; POLLOUT: a datagram of any size can be queued; POLLERR: an error
// is pending), so poll(2), epoll and evl_poll() see the same state.
#ifndef GLUE_EVL_EMUL_NET_SOCKET_H
#define GLUE_EVL_EMUL_NET_SOCKET_H

#include <netinet/in.h>
#include <sys/uio.h>
#include <time.h>

#include <atomic>
#include <cstddef>

#include <boost/intrusive/list_hook.hpp>

#include "glue/env/env.h"
#include "glue/evl/emul/datagram_ring.h"
#include "glue/evl/emul/event.h"
#include "glue/evl/emul/file.h"

namespace oskit::evl::emul {

// How a call waits when it cannot proceed at once.
struct Wait {
  bool nonblock;                    // fail with EAGAIN instead
  const struct timespec* deadline;  // absolute CLOCK_MONOTONIC, nullptr: none
  int expired;                      // the error when the deadline passes
};

class NetWorker;

class NetSocket : public oskit::env::EnvAllocated<NetSocket> {
 public:
  // Ring sizes: the receive ring holds many full-size datagrams, so that the
  // worker can take a batch from the kernel without risking one it cannot keep.
  static constexpr size_t kReceiveRing = 1 << 20;
  static constexpr size_t kSendRing = 1 << 18;

  // socket(2) with SOCK_OOB stripped from type: the descriptor, or -errno
  // (-EPROTONOSUPPORT for anything but an IPv4 UDP socket, the kernel's
  // errors, -ENOMEM).
  static int create(int domain, int type, int protocol);
  // The socket behind an EVL file, nullptr when the file is not one.
  static NetSocket* of(File* file);

  int kernel_fd() const { return kfd_; }
  File* file() const { return file_; }

  // Queues the len bytes of iov for dest (nullptr: the connected peer).
  // kernel_flags go to the kernel's send. Returns len or -errno: a pending
  // error, -EDESTADDRREQ, -EPIPE, -EAGAIN, the wait's expiry, -EBADF when
  // the descriptor closes meanwhile.
  ssize_t send(const struct iovec* iov, size_t iovcnt, size_t len, const sockaddr_in* dest, int kernel_flags,
               const Wait& wait);
  // Takes the first datagram into iov (peek: leaves it queued); *from gets
  // the sender. Returns the bytes copied (taken->len is the datagram's), 0
  // once shut down for reading and empty, or -errno: a pending error,
  // -EAGAIN, the wait's expiry, -EBADF when the descriptor closes meanwhile.
  ssize_t receive(const struct iovec* iov, size_t iovcnt, sockaddr_in* from, bool peek, const Wait& wait,
                  DatagramRing::Taken* taken);

  // The pending error (0 if none), cleared.
  int take_error();
  // Records err as pending unless one already is; counts it.
  void set_error(int err);

  // What connect(2) and shutdown(2) changed on the kernel socket.
  void set_connected(bool connected) { connected_.store(connected, std::memory_order_release); }
  void shut(bool reading, bool writing);
  // SO_RCVTIMEO / SO_SNDTIMEO as set on the descriptor, in ns (0: none); they
  // bound the waits of in-band calls.
  void set_timeout(bool receiving, long ns) { (receiving ? rcvtimeo_ns_ : sndtimeo_ns_).store(ns); }
  long timeout_ns(bool receiving) const { return (receiving ? rcvtimeo_ns_ : sndtimeo_ns_).load(); }

  // The file's poll events (POLLIN, POLLOUT, POLLERR, POLLHUP).
  unsigned int poll_events() const;
  // FIONREAD: the first datagram's size, 0 when none.
  int next_size() const;
  // TIOCOUTQ: payload bytes waiting to be sent.
  int queued_output() const { return static_cast<int>(tx_.bytes()); }

  // close(2): wakes every waiter (they return -EBADF).
  void begin_close();
  // The last user has gone: sends what is queued, stops the worker from
  // watching the kernel socket and closes it. Deletes this.
  void destroy();

  // For the worker.
  DatagramRing& rx() { return rx_; }
  DatagramRing& tx() { return tx_; }
  const Event& rx_ready() const { return rx_ready_; }
  const Event& tx_room() const { return tx_room_; }
  std::atomic<bool>& rx_stalled() { return rx_stalled_; }
  // The worker queued received datagrams, or sent queued ones.
  void received();
  void sent();

  // Worker bookkeeping (net_worker.cc; guarded by the worker's lock).
  boost::intrusive::list_member_hook<> pending_hook;
  std::atomic<unsigned int> kicked{0};  // work asked for and not yet taken
  bool retired = false;
  bool tx_blocked = false;  // waiting for the kernel to take more

 private:
  NetSocket() = default;
  ~NetSocket();
  bool can_queue_any() const { return tx_.room_for(kMaxDatagram) > 0; }

  int kfd_ = -1;
  File* file_ = nullptr;
  NetWorker* worker_ = nullptr;
  DatagramRing rx_;
  DatagramRing tx_;
  Event rx_ready_;
  Event tx_room_;
  std::atomic<int> error_{0};
  std::atomic<bool> connected_{false};
  std::atomic<bool> rd_shut_{false};
  std::atomic<bool> wr_shut_{false};
  std::atomic<bool> closing_{false};
  std::atomic<bool> rx_stalled_{false};
  std::atomic<long> rcvtimeo_ns_{0};
  std::atomic<long> sndtimeo_ns_{0};
};

// The wait of an in-band call: nonblock (O_NONBLOCK, MSG_DONTWAIT), and the
// socket's SO_RCVTIMEO or SO_SNDTIMEO as a deadline kept in *storage. Expiry
// is EAGAIN, as Linux reports it.
Wait inband_wait(const NetSocket& s, bool receiving, bool nonblock, struct timespec* storage);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_NET_SOCKET_H
