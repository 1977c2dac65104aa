// An epoll reactor for asyncio objects (docs/design.md, sections 6 and 8): one
// in-band worker thread, obtained from glue/env, waits for readiness of the
// watched descriptors and hands it to their handlers. The thread exists only
// while something is watched: it starts with the first watch and ends after the
// last one is removed, so an idle toolkit has no thread of its own. Watches
// are nodes of an intrusive tree in the environment's memory.
#ifndef GLUE_POSIX_REACTOR_H
#define GLUE_POSIX_REACTOR_H

#include <cstdint>
#include <memory>
#include <thread>

#include <boost/intrusive/set.hpp>

#include "absl/base/thread_annotations.h"
#include "glue/env/env.h"
#include "oskit/error.h"
#include "oskit/io/asyncio.h"
#include "oskit/sync/mutex.h"

namespace oskit::posix {

// Receives readiness on the reactor thread.
class ReadyHandler {
 public:
  // events: the OSKIT_ASYNCIO_* conditions epoll reported (edge-triggered: a
  // condition that became true, or possibly a spurious repeat).
  virtual void on_ready(oskit_u32_t events) noexcept = 0;

 protected:
  ~ReadyHandler() = default;
};

class Reactor {
 public:
  // The process's reactor, created on first use and destroyed at exit. It
  // holds no thread or descriptor while nothing is watched.
  static Reactor& shared() noexcept;

  Reactor() noexcept = default;
  // Requires that nothing is watched; joins the thread if it is still ending.
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Watches fd for the OSKIT_ASYNCIO_* conditions in mask (errors and hangups
  // are always reported as OSKIT_ASYNCIO_EXCEPTION). Starts the thread if needed.
  // Returns 0 and a watch id, or an error (epoll_ctl's, or OSKIT_ENOMEM when no
  // memory or thread can be had).
  oskit_error_t add(int fd, oskit_u32_t mask, ReadyHandler* handler, std::uint64_t* out_id) noexcept;
  // Changes the conditions watched; re-arms the edge trigger.
  oskit_error_t modify(std::uint64_t id, oskit_u32_t mask) noexcept;
  // Stops watching: no dispatch to the watch starts after this returns (one
  // already running may finish; see quiesce). Unknown ids are ignored.
  void remove(std::uint64_t id) noexcept;
  // Waits until no call to handler->on_ready is running. On the reactor
  // thread itself (from inside a dispatch) it returns at once.
  void quiesce(const ReadyHandler* handler) noexcept;
  // When nothing is watched, waits for the worker to end and joins it, so
  // that the environment gets its thread back. Does nothing on the reactor
  // thread itself or while something is watched.
  void reap() noexcept;

  // Watches registered now; whether the worker thread is running.
  std::size_t watches() const noexcept;
  bool running() const noexcept;
  // Number of worker threads this reactor has started so far.
  std::uint64_t threads_started() const noexcept;

  // Converts between OSKIT_ASYNCIO_* masks and epoll/poll event bits.
  static oskit_u32_t epoll_events_for(oskit_u32_t mask) noexcept;
  static oskit_u32_t conditions_from(oskit_u32_t epoll_or_poll_events) noexcept;

 private:
  struct Watch : boost::intrusive::set_base_hook<>, env::EnvAllocated<Watch> {
    Watch(std::uint64_t i, int f, ReadyHandler* h) noexcept : id(i), fd(f), handler(h) {}
    std::uint64_t id;
    int fd;
    ReadyHandler* handler;
  };
  struct WatchId {
    using type = std::uint64_t;
    std::uint64_t operator()(const Watch& w) const noexcept { return w.id; }
  };
  using Watches = boost::intrusive::set<Watch, boost::intrusive::key_of_value<WatchId>>;

  void loop(int epfd, int wakefd) noexcept;
  void wake_locked() noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool on_loop_thread_locked() const noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  oskit_error_t start_locked() noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Watch* find_locked(std::uint64_t id) noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void drop_all_locked() noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable Mutex mu_;
  CondVar idle_cv_;
  Watches watches_ ABSL_GUARDED_BY(mu_);
  std::uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  int epfd_ ABSL_GUARDED_BY(mu_) = -1;
  int wakefd_ ABSL_GUARDED_BY(mu_) = -1;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  std::thread::id loop_thread_ ABSL_GUARDED_BY(mu_);
  const ReadyHandler* dispatching_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::unique_ptr<env::WorkerThread> thread_ ABSL_GUARDED_BY(mu_);
  std::uint64_t threads_started_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace oskit::posix

#endif  // GLUE_POSIX_REACTOR_H
