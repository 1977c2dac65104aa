#include "glue/posix/reactor.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <new>
#include <utility>

namespace oskit::posix {

Reactor& Reactor::shared() noexcept {
  // Destroyed at exit, which joins a worker that ended last (objects must be
  // released before then).
  static Reactor reactor;
  return reactor;
}

Reactor::~Reactor() {
  std::unique_ptr<env::WorkerThread> thread;
  {
    MutexLock lock(&mu_);
    if (!watches_.empty()) {
      env::logf(env::LogLevel::kError, "reactor destroyed with %d watches left", static_cast<int>(watches_.size()));
      drop_all_locked();
    }
    if (running_) wake_locked();
    thread = std::move(thread_);
  }
  if (thread) thread->join();
}

oskit_u32_t Reactor::epoll_events_for(oskit_u32_t mask) noexcept {
  oskit_u32_t ev = EPOLLET;
  if (mask & OSKIT_ASYNCIO_READABLE) ev |= EPOLLIN | EPOLLRDHUP;
  if (mask & OSKIT_ASYNCIO_WRITABLE) ev |= EPOLLOUT;
  if (mask & OSKIT_ASYNCIO_EXCEPTION) ev |= EPOLLPRI;
  return ev;
}

oskit_u32_t Reactor::conditions_from(oskit_u32_t ev) noexcept {
  oskit_u32_t mask = 0;
  if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) mask |= OSKIT_ASYNCIO_READABLE;
  if (ev & (EPOLLOUT | EPOLLERR)) mask |= OSKIT_ASYNCIO_WRITABLE;
  if (ev & (EPOLLPRI | EPOLLERR | EPOLLHUP)) mask |= OSKIT_ASYNCIO_EXCEPTION;
  return mask;
}

bool Reactor::on_loop_thread_locked() const noexcept { return running_ && loop_thread_ == std::this_thread::get_id(); }

void Reactor::wake_locked() noexcept {
  if (wakefd_ < 0) return;
  const std::uint64_t one = 1;
  // An eventfd write only fails when the counter would overflow, and then a
  // wakeup is already pending.
  ssize_t n = ::write(wakefd_, &one, sizeof one);
  (void)n;
}

oskit_error_t Reactor::start_locked() noexcept {
  if (thread_) {
    // The previous worker decided to end (under mu_) and touches nothing of
    // ours any more: joining it here cannot wait for this lock.
    thread_->join();
    thread_.reset();
  }
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return oskit_error_from_errno(errno);
  int wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakefd < 0) {
    oskit_error_t rc = oskit_error_from_errno(errno);
    ::close(epfd);
    return rc;
  }
  struct epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev) != 0) {
    oskit_error_t rc = oskit_error_from_errno(errno);
    ::close(wakefd);
    ::close(epfd);
    return rc;
  }
  auto thread = env::current().start_thread("oskit-reactor", [this, epfd, wakefd] { loop(epfd, wakefd); });
  if (!thread.ok()) {
    ::close(wakefd);
    ::close(epfd);
    return OSKIT_ENOMEM;
  }
  epfd_ = epfd;
  wakefd_ = wakefd;
  running_ = true;
  thread_ = std::move(*thread);
  ++threads_started_;
  return 0;
}

Reactor::Watch* Reactor::find_locked(std::uint64_t id) noexcept {
  auto it = watches_.find(id);
  return it == watches_.end() ? nullptr : &*it;
}

void Reactor::drop_all_locked() noexcept {
  watches_.clear_and_dispose([](Watch* w) { delete w; });
}

oskit_error_t Reactor::add(int fd, oskit_u32_t mask, ReadyHandler* handler, std::uint64_t* out_id) noexcept {
  if (handler == nullptr || out_id == nullptr) return OSKIT_E_POINTER;
  *out_id = 0;
  MutexLock lock(&mu_);
  Watch* watch = new (std::nothrow) Watch(next_id_, fd, handler);
  if (watch == nullptr) return OSKIT_ENOMEM;
  if (!running_) {
    oskit_error_t rc = start_locked();
    if (rc != 0) {
      delete watch;
      return rc;
    }
  }
  ++next_id_;
  struct epoll_event ev = {};
  ev.events = epoll_events_for(mask);
  ev.data.u64 = watch->id;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    oskit_error_t rc = oskit_error_from_errno(errno);
    delete watch;
    if (watches_.empty()) wake_locked();  // let a worker with nothing to do end
    return rc;
  }
  watches_.insert(*watch);
  *out_id = watch->id;
  return 0;
}

oskit_error_t Reactor::modify(std::uint64_t id, oskit_u32_t mask) noexcept {
  MutexLock lock(&mu_);
  Watch* watch = find_locked(id);
  if (watch == nullptr) return OSKIT_EINVAL;
  struct epoll_event ev = {};
  ev.events = epoll_events_for(mask);
  ev.data.u64 = id;
  if (epoll_ctl(epfd_, EPOLL_CTL_MOD, watch->fd, &ev) != 0) return oskit_error_from_errno(errno);
  return 0;
}

void Reactor::remove(std::uint64_t id) noexcept {
  MutexLock lock(&mu_);
  Watch* watch = find_locked(id);
  if (watch == nullptr) return;
  // The descriptor may already be closed by its owner; then the kernel dropped
  // it from the epoll set and the error is of no interest.
  struct epoll_event ev = {};
  epoll_ctl(epfd_, EPOLL_CTL_DEL, watch->fd, &ev);
  watches_.erase(watches_.iterator_to(*watch));
  delete watch;
  if (watches_.empty()) wake_locked();
}

void Reactor::quiesce(const ReadyHandler* handler) noexcept {
  MutexLock lock(&mu_);
  if (on_loop_thread_locked()) return;
  while (dispatching_ == handler) idle_cv_.wait(&mu_);
}

void Reactor::reap() noexcept {
  std::unique_ptr<env::WorkerThread> ended;
  {
    MutexLock lock(&mu_);
    if (on_loop_thread_locked() || !watches_.empty()) return;
    while (running_ && watches_.empty()) idle_cv_.wait(&mu_);
    if (running_) return;  // watched again meanwhile: the worker stays
    ended = std::move(thread_);
  }
  if (ended) ended->join();
}

std::size_t Reactor::watches() const noexcept {
  MutexLock lock(&mu_);
  return watches_.size();
}

bool Reactor::running() const noexcept {
  MutexLock lock(&mu_);
  return running_;
}

std::uint64_t Reactor::threads_started() const noexcept {
  MutexLock lock(&mu_);
  return threads_started_;
}

void Reactor::loop(int epfd, int wakefd) noexcept {
  {
    MutexLock lock(&mu_);
    loop_thread_ = std::this_thread::get_id();
  }
  constexpr int kBatch = 32;
  struct epoll_event events[kBatch];
  for (;;) {
    int n = epoll_wait(epfd, events, kBatch, -1);
    if (n < 0 && errno != EINTR) {
      env::logf(env::LogLevel::kError, "reactor: epoll_wait: %s", oskit_error_string(oskit_error_from_errno(errno)));
    }
    for (int i = 0; i < n; i++) {
      const std::uint64_t id = events[i].data.u64;
      if (id == 0) {
        std::uint64_t count;
        while (::read(wakefd, &count, sizeof count) > 0) {
        }
        continue;
      }
      ReadyHandler* handler = nullptr;
      {
        MutexLock lock(&mu_);
        Watch* watch = find_locked(id);
        if (watch == nullptr) continue;  // removed after epoll_wait returned it
        handler = watch->handler;
        dispatching_ = handler;
      }
      handler->on_ready(conditions_from(events[i].events));
      {
        MutexLock lock(&mu_);
        dispatching_ = nullptr;
      }
      idle_cv_.notify_all();
    }
    MutexLock lock(&mu_);
    if (watches_.empty()) {
      // Nothing left to watch: end. A later add() starts a new worker and joins
      // this one; after this block the worker touches nothing of the reactor.
      ::close(epfd_);
      ::close(wakefd_);
      epfd_ = -1;
      wakefd_ = -1;
      running_ = false;
      loop_thread_ = std::thread::id();
      idle_cv_.notify_all();
      return;
    }
  }
}

}  // namespace oskit::posix
