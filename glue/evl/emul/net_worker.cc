#include "glue/evl/emul/net_worker.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>

#include "glue/evl/emul/net_seams.h"
#include "glue/evl/emul/readiness_relay.h"
#include "glue/evl/emul/real.h"
#include "glue/evl/emul/sleep.h"

namespace oskit::evl::emul {
namespace {

constexpr std::uint32_t kReadable = EPOLLIN | EPOLLET;
constexpr std::uint32_t kWritable = EPOLLIN | EPOLLOUT | EPOLLET;

int watch_mode(int epfd, int op, NetSocket* s, std::uint32_t events) {
  struct epoll_event ev = {};
  ev.events = events;
  ev.data.ptr = s;
  return epoll_ctl(epfd, op, s->kernel_fd(), &ev) == 0 ? 0 : -errno;
}

// Errors after which the kernel may take the datagram a little later.
bool transient(int err) { return err == EAGAIN || err == ENOBUFS || err == ENOMEM; }

// Logs the 1st, 2nd, 4th, 8th... refusal.
void log_refusal(std::uint64_t count, int err) {
  if ((count & (count - 1)) != 0) return;
  env::logf(env::LogLevel::kWarning, "evl: the kernel refused %d datagram(s) from out-of-band sockets; last: %s",
            static_cast<int>(count), strerror(err));
}

}  // namespace

NetWorker* NetWorker::get() {
  static NetWorker* const worker = [] {
    auto* w = new NetWorker;
    if (w->start()) return w;
    delete w;
    return static_cast<NetWorker*>(nullptr);
  }();
  return worker;
}

bool NetWorker::start() {
  env::Environment& env = env::current();
  scratch_ = static_cast<Scratch*>(env.allocate(sizeof(Scratch), 64));
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  wakefd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;
  if (scratch_ == nullptr || epfd_ < 0 || wakefd_ < 0 || epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev) != 0) {
    return false;
  }
  auto thread = env.start_thread("evl-net", [this] { run(); });
  if (!thread.ok()) return false;
  thread_ = std::move(thread).value();
  return true;
}

int NetWorker::watch(NetSocket* s) { return watch_mode(epfd_, EPOLL_CTL_ADD, s, kReadable); }

void NetWorker::unwatch(NetSocket* s) {
  epoll_ctl(epfd_, EPOLL_CTL_DEL, s->kernel_fd(), nullptr);
  MutexLock lock(&mu_);
  s->retired = true;
  if (s->pending_hook.is_linked()) pending_.erase(pending_.iterator_to(*s));
  // Events the worker took before the removal are handled (and skipped) by
  // the end of its current round.
  const std::uint64_t round = epoch_;
  wake();
  while (serving_ == s || epoch_ == round) progress_.wait(&mu_);
}

void NetWorker::kick(NetSocket* s, unsigned int work) {
  if (s->kicked.fetch_or(work, std::memory_order_acq_rel) != 0) return;  // already on its way
  {
    MutexLock lock(&mu_);
    if (s->retired || s->pending_hook.is_linked()) return;
    pending_.push_back(*s);
  }
  wake();
}

void NetWorker::wake() {
  if (!sleeping_.exchange(false, std::memory_order_seq_cst)) return;
  const std::uint64_t one = 1;
  real::write(wakefd_, &one, sizeof one);  // the emulation's in-band work request, not the caller's I/O
}

NetSocket* NetWorker::next_pending(unsigned int* work) {
  MutexLock lock(&mu_);
  if (pending_.empty()) return nullptr;
  NetSocket* s = &pending_.front();
  pending_.pop_front();
  serving_ = s;
  *work = s->kicked.exchange(0, std::memory_order_acq_rel);
  return s;
}

bool NetWorker::enter(NetSocket* s) {
  MutexLock lock(&mu_);
  if (s->retired) return false;
  serving_ = s;
  return true;
}

void NetWorker::leave() {
  MutexLock lock(&mu_);
  serving_ = nullptr;
  progress_.notify_all();
}

void NetWorker::hold(bool held) {
  MutexLock lock(&mu_);
  held_.store(held, std::memory_order_release);
  released_.notify_all();
}

void NetWorker::wait_while_held() {
  if (!held_.load(std::memory_order_acquire)) return;
  MutexLock lock(&mu_);
  while (held_.load(std::memory_order_acquire)) released_.wait(&mu_);
}

void NetWorker::run() {
  struct epoll_event events[64];
  for (;;) {
    wait_while_held();
    unsigned int work = 0;
    while (NetSocket* s = next_pending(&work)) {
      serve(s, work);
      leave();
    }
    {
      MutexLock lock(&mu_);
      epoch_++;
      progress_.notify_all();
      if (!pending_.empty()) continue;
      sleeping_.store(true, std::memory_order_seq_cst);
    }
    int n = epoll_wait(epfd_, events, 64, -1);
    sleeping_.store(false, std::memory_order_seq_cst);
    wait_while_held();
    for (int i = 0; i < n; i++) {
      auto* s = static_cast<NetSocket*>(events[i].data.ptr);
      if (s == nullptr) {
        std::uint64_t count;
        real::read(wakefd_, &count, sizeof count);
        continue;
      }
      if (!enter(s)) continue;
      unsigned int ready = 0;
      if (events[i].events & (EPOLLIN | EPOLLERR)) ready |= kReceive;
      if (events[i].events & (EPOLLOUT | EPOLLERR)) ready |= kSend;
      serve(s, ready);
      leave();
    }
  }
}

void NetWorker::serve(NetSocket* s, unsigned int work) {
  if (work & kReceive) drain(s);
  if (work & kSend) flush(s);
  if (work & kRefresh) notify(s->file());
}

void NetWorker::drain(NetSocket* s) {
  Scratch& sc = *scratch_;
  for (;;) {
    size_t room = s->rx().room_for(kMaxDatagram);
    if (room == 0) {
      s->rx_stalled().store(true, std::memory_order_seq_cst);
      if (s->rx().room_for(kMaxDatagram) == 0) return;  // the next receiver kicks us
      s->rx_stalled().store(false, std::memory_order_seq_cst);
      continue;
    }
    const int batch = room < static_cast<size_t>(kBatch) ? static_cast<int>(room) : kBatch;
    for (int i = 0; i < batch; i++) {
      sc.iov[i] = {sc.data[i], kSlot};
      std::memset(&sc.msgs[i], 0, sizeof sc.msgs[i]);
      sc.msgs[i].msg_hdr.msg_iov = &sc.iov[i];
      sc.msgs[i].msg_hdr.msg_iovlen = 1;
      sc.msgs[i].msg_hdr.msg_name = &sc.addr[i];
      sc.msgs[i].msg_hdr.msg_namelen = sizeof sc.addr[i];
    }
    int n = recvmmsg(s->kernel_fd(), sc.msgs, batch, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) s->set_error(errno);  // ECONNREFUSED and friends, as Linux reports them
      return;
    }
    for (int i = 0; i < n; i++) {
      struct iovec v = {sc.data[i], sc.msgs[i].msg_len};
      s->rx().push(&v, 1, sc.msgs[i].msg_len, &sc.addr[i], 0);  // fits: room was counted in full datagrams
    }
    received_.fetch_add(n, std::memory_order_relaxed);
    if (n > 0) s->received();
    if (n < batch) return;
  }
}

void NetWorker::flush(NetSocket* s) {
  while (flush_batch(s)) {
  }
}

bool NetWorker::flush_batch(NetSocket* s) {
  Scratch& sc = *scratch_;
  DatagramRing::View views[kBatch];
  const size_t n = s->tx().front(views, kBatch);
  if (n == 0) {
    if (s->tx_blocked) {
      s->tx_blocked = false;
      watch_mode(epfd_, EPOLL_CTL_MOD, s, kReadable);
    }
    return false;
  }
  size_t k = 0;
  for (; k < n && views[k].flags == views[0].flags; k++) {
    sc.iov[k] = {const_cast<void*>(views[k].data), views[k].len};
    std::memset(&sc.msgs[k], 0, sizeof sc.msgs[k]);
    sc.msgs[k].msg_hdr.msg_iov = &sc.iov[k];
    sc.msgs[k].msg_hdr.msg_iovlen = 1;
    sc.msgs[k].msg_hdr.msg_name = const_cast<sockaddr_in*>(views[k].addr);
    sc.msgs[k].msg_hdr.msg_namelen = views[k].addr != nullptr ? sizeof(sockaddr_in) : 0;
  }
  int sent = sendmmsg(s->kernel_fd(), sc.msgs, static_cast<unsigned int>(k), views[0].flags | MSG_DONTWAIT);
  if (sent > 0) {
    s->tx().drop(static_cast<size_t>(sent));
    sent_.fetch_add(sent, std::memory_order_relaxed);
    s->sent();
    return true;
  }
  const int err = errno;
  if (err == EINTR) return true;
  if (transient(err)) {
    wait_for_output(s, err);
    return false;
  }
  // The kernel refuses the first datagram: it is dropped and reported.
  s->tx().drop(1);
  refuse(s, err);
  s->sent();
  return true;
}

void NetWorker::wait_for_output(NetSocket* s, int err) {
  if (err == EAGAIN) {
    if (!s->tx_blocked) {
      s->tx_blocked = true;
      watch_mode(epfd_, EPOLL_CTL_MOD, s, kWritable);  // an edge comes when the kernel has room
    }
    return;
  }
  sleep_ns(100000);  // short of buffers or memory: try again shortly
  kick(s, kSend);
}

void NetWorker::refuse(NetSocket* s, int err) {
  const std::uint64_t count = refused_.fetch_add(1, std::memory_order_relaxed) + 1;
  s->set_error(err);
  log_refusal(count, err);
}

}  // namespace oskit::evl::emul

extern "C" void oskit_evl_net_hold_worker(int hold) {
  if (auto* worker = oskit::evl::emul::NetWorker::get()) worker->hold(hold != 0);
}

extern "C" void oskit_evl_net_get_stats(struct oskit_evl_net_stats* stats) {
  auto* worker = oskit::evl::emul::NetWorker::get();
  stats->sent = worker != nullptr ? worker->sent() : 0;
  stats->received = worker != nullptr ? worker->received() : 0;
  stats->refused = worker != nullptr ? worker->refused() : 0;
}
