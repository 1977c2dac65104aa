#include "glue/posix/fd_asyncio.h"

#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <climits>
#include <new>

namespace oskit::posix {
namespace {

bool epoll_can_watch(int fd) noexcept {
  struct stat st;
  if (fstat(fd, &st) != 0) return false;
  return !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode));
}

}  // namespace

FdAsyncio::FdAsyncio(int fd, oskit_iunknown* self, oskit_u32_t allowed, Reactor* reactor,
                     ConditionProbe* probe) noexcept
    : fd_(fd),
      self_(self),
      allowed_(allowed & OSKIT_ASYNCIO_ALL),
      probe_(probe),
      reactor_(reactor ? *reactor : Reactor::shared()),
      pollable_(epoll_can_watch(fd)) {}

FdAsyncio::~FdAsyncio() { close(); }

oskit_error_t FdAsyncio::poll() noexcept {
  if (probe_ != nullptr) {
    oskit_error_t c = probe_->conditions();
    return c < 0 ? c : static_cast<oskit_error_t>(static_cast<oskit_u32_t>(c) & allowed_);
  }
  struct pollfd p = {fd_, POLLIN | POLLOUT | POLLPRI, 0};
  int n;
  do {
    n = ::poll(&p, 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return oskit_error_from_errno(errno);
  if (p.revents & POLLNVAL) return OSKIT_EBADF;
  return static_cast<oskit_error_t>(Reactor::conditions_from(p.revents) & allowed_);
}

oskit_u32_t FdAsyncio::interest_locked() const noexcept {
  oskit_u32_t mask = 0;
  for (const Node& n : nodes_) mask |= n.mask;
  return mask;
}

oskit_error_t FdAsyncio::update_watch_locked() noexcept {
  if (!pollable_) return 0;
  oskit_u32_t want = interest_locked();
  if (probe_ != nullptr && (want & OSKIT_ASYNCIO_EXCEPTION)) want |= OSKIT_ASYNCIO_READABLE;
  if (want == 0) {
    if (watch_ != 0) reactor_.remove(watch_);
    watch_ = 0;
    watched_mask_ = 0;
    return 0;
  }
  if (watch_ == 0) {
    oskit_error_t rc = reactor_.add(fd_, want, this, &watch_);
    if (rc == 0) watched_mask_ = want;
    return rc;
  }
  if (want == watched_mask_) return 0;
  oskit_error_t rc = reactor_.modify(watch_, want);
  if (rc == 0) watched_mask_ = want;
  return rc;
}

oskit_error_t FdAsyncio::add_listener(oskit_listener* l, oskit_s32_t mask) noexcept {
  if (l == nullptr) return OSKIT_E_POINTER;
  if (mask <= 0 || (mask & ~OSKIT_ASYNCIO_ALL) != 0) return OSKIT_EINVAL;
  {
    MutexLock lock(&mu_);
    if (closed_) return OSKIT_EBADF;
    Node* existing = nullptr;
    for (Node& n : nodes_)
      if (n.listener.get() == l) existing = &n;
    oskit_u32_t old_mask = 0;
    if (existing) {
      old_mask = existing->mask;
      existing->mask = static_cast<oskit_u32_t>(mask);
    } else {
      Node* node = new (std::nothrow) Node(l, static_cast<oskit_u32_t>(mask));
      if (node == nullptr) return OSKIT_ENOMEM;
      nodes_.push_back(*node);
      existing = node;
    }
    oskit_error_t rc = update_watch_locked();
    if (rc != 0) {
      if (old_mask != 0) {
        existing->mask = old_mask;
      } else {
        nodes_.erase(nodes_.iterator_to(*existing));
        delete existing;
      }
      update_watch_locked();
      return rc;
    }
    // Registered first, then sampled: a condition arising in between is
    // either in this mask or reported to the listener. (Sampled under the
    // lock so that a dispatch, which takes it, is ordered after.)
    return poll();
  }
}

oskit_error_t FdAsyncio::remove_listener(oskit_listener* l) noexcept {
  if (l == nullptr) return OSKIT_E_POINTER;
  Node* found = nullptr;
  {
    MutexLock lock(&mu_);
    for (Node& n : nodes_) {
      if (n.listener.get() == l) {
        found = &n;
        break;
      }
    }
    if (found == nullptr) return OSKIT_EINVAL;
    nodes_.erase(nodes_.iterator_to(*found));
    removals_.fetch_add(1, std::memory_order_release);
    update_watch_locked();  // shrinking the watch cannot fail in a way we could undo
  }
  // A notification running on the reactor thread now ends before this returns
  // (from inside one, the dispatch itself skips the removed listener).
  reactor_.quiesce(this);
  reactor_.reap();
  delete found;  // releases the listener outside the lock
  return 0;
}

oskit_error_t FdAsyncio::readable() noexcept {
  int n = 0;
  if (ioctl(fd_, FIONREAD, &n) != 0) return oskit_error_from_errno(errno);
  return n < 0 ? 0 : static_cast<oskit_error_t>(n);
}

void FdAsyncio::close() noexcept {
  NodeList dropped;
  {
    MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    if (dispatch_alive_ != nullptr) dispatch_alive_->store(false, std::memory_order_release);
    if (watch_ != 0) reactor_.remove(watch_);
    watch_ = 0;
    dropped.swap(nodes_);
  }
  reactor_.quiesce(this);
  reactor_.reap();
  dropped.clear_and_dispose([](Node* n) { delete n; });
}

bool FdAsyncio::registered(const oskit_listener* l) const noexcept {
  MutexLock lock(&mu_);
  for (const Node& n : nodes_) {
    if (n.listener.get() == l) return true;
  }
  return false;
}

std::size_t FdAsyncio::listeners() const noexcept {
  MutexLock lock(&mu_);
  return nodes_.size();
}

std::size_t FdAsyncio::next_batch(oskit_u32_t events, std::uint64_t round, ComPtr<oskit_listener>* batch,
                                  std::uint64_t* removals) noexcept {
  std::size_t n = 0;
  MutexLock lock(&mu_);
  for (Node& node : nodes_) {
    if (n == kBatch) break;
    if ((node.mask & events) == 0 || node.round == round) continue;
    node.round = round;
    batch[n++] = node.listener;
  }
  *removals = removals_.load(std::memory_order_relaxed);
  return n;
}

void FdAsyncio::on_ready(oskit_u32_t events) noexcept {
  if (probe_ != nullptr) {
    oskit_error_t c = probe_->conditions();
    events = c < 0 ? OSKIT_ASYNCIO_EXCEPTION : static_cast<oskit_u32_t>(c);
  }
  events &= allowed_;
  if (events == 0) return;
  std::atomic<bool> alive{true};
  std::uint64_t round;
  {
    MutexLock lock(&mu_);
    if (closed_) return;
    dispatch_alive_ = &alive;
    round = ++round_;
  }
  oskit_iunknown* const self = self_;
  for (;;) {
    ComPtr<oskit_listener> batch[kBatch];
    std::uint64_t removals;
    const std::size_t n = next_batch(events, round, batch, &removals);
    if (n == 0) break;
    for (std::size_t i = 0; i < n; ++i) {
      // A listener may release the owner's last reference: then this object
      // is gone, which alive tells before anything of it is touched again.
      if (!alive.load(std::memory_order_acquire)) return;
      if (removals_.load(std::memory_order_acquire) != removals && !registered(batch[i].get())) continue;
      batch[i]->notify(self);
    }
    if (!alive.load(std::memory_order_acquire)) return;
  }
  MutexLock lock(&mu_);
  dispatch_alive_ = nullptr;
}

}  // namespace oskit::posix
