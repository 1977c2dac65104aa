// The in-band worker of out-of-band sockets (net_socket.h): one thread,
// started through glue/env with the first socket, that watches every kernel
// socket with epoll and moves datagrams in batches: sendmmsg(2) from the send
// rings, recvmmsg(2) into the receive rings. It is the emulation's stand-in
// for the in-band side of EVL's network stack. Out-of-band callers reach it
// without a system call unless it sleeps; then one eventfd write wakes it,
// the way EVL raises in-band work from the out-of-band stage.
//
// A datagram the kernel refuses (ECONNREFUSED after an ICMP error, a route
// that vanished, ...) is dropped, counted, logged through glue/env and
// reported by the socket's next call as a pending error, as Linux reports
// a socket error; nothing is dropped silently. The worker takes from the
// kernel only what the receive ring can keep; the rest waits in the kernel.
#ifndef GLUE_EVL_EMUL_NET_WORKER_H
#define GLUE_EVL_EMUL_NET_WORKER_H

#include <sys/epoll.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include <boost/intrusive/list.hpp>

#include "absl/base/thread_annotations.h"
#include "glue/env/env.h"
#include "glue/evl/emul/net_socket.h"
#include "oskit/sync/mutex.h"

namespace oskit::evl::emul {

class NetWorker {
 public:
  // Work a socket may ask for.
  static constexpr unsigned int kSend = 1;     // its send ring has datagrams
  static constexpr unsigned int kReceive = 2;  // its receive ring has room again
  static constexpr unsigned int kRefresh = 4;  // its descriptor's readiness may be stale

  // The process's worker, started at the first call (in-band); nullptr when
  // it cannot start.
  static NetWorker* get();

  // Starts watching s's kernel socket. 0 or -errno.
  int watch(NetSocket* s);
  // Stops watching s; once this returns the worker no longer touches s.
  // In-band, never from the worker itself.
  void unwatch(NetSocket* s);
  // Asks for work on s. Any stage: no system call unless the worker sleeps.
  void kick(NetSocket* s, unsigned int work);

  // Datagrams handed to the kernel, taken from it, and refused by it.
  std::uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

  // Test seam: while held, the worker serves nothing.
  void hold(bool held);

 private:
  static constexpr int kBatch = 32;
  static constexpr int kSlot = 65536;  // a receive slot holds any datagram

  NetWorker() = default;
  bool start();
  void run();
  void wake();
  void wait_while_held();
  // Takes a socket off the pending list, or nullptr.
  NetSocket* next_pending(unsigned int* work);
  // Marks s as being served (false: it is being retired) and done.
  bool enter(NetSocket* s);
  void leave();
  void serve(NetSocket* s, unsigned int work);
  void drain(NetSocket* s);
  void flush(NetSocket* s);
  // Flushes the first run of datagrams with one set of flags; false when the
  // kernel cannot take more now.
  bool flush_batch(NetSocket* s);
  void wait_for_output(NetSocket* s, int err);
  void refuse(NetSocket* s, int err);

  using PendingList =
      boost::intrusive::list<NetSocket, boost::intrusive::member_hook<NetSocket, boost::intrusive::list_member_hook<>,
                                                                      &NetSocket::pending_hook>>;

  int epfd_ = -1;
  int wakefd_ = -1;
  std::atomic<bool> sleeping_{false};
  std::unique_ptr<env::WorkerThread> thread_;

  Mutex mu_;
  CondVar progress_;
  PendingList pending_ ABSL_GUARDED_BY(mu_);
  NetSocket* serving_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<bool> held_{false};
  CondVar released_;

  // The worker thread's own buffers.
  struct Scratch {
    char data[kBatch][kSlot];
    struct mmsghdr msgs[kBatch];
    struct iovec iov[kBatch];
    sockaddr_in addr[kBatch];
  };
  Scratch* scratch_ = nullptr;

  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_NET_WORKER_H
