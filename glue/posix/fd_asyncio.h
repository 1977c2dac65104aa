// The asyncio behaviour of a file descriptor (OSKit manual section 7.2), for
// components to embed and forward their oskit_asyncio methods to:
//   - poll() reports the conditions true now (poll(2) with no wait);
//   - add_listener() registers first and then returns the conditions already
//     true, so an event just before registration is never missed;
//   - listeners are called on the reactor thread when a condition of interest
//     becomes true, a few at a time (nothing is allocated to call them);
//     notifications may be spurious;
//   - remove_listener() of a listener that is not registered is OSKIT_EINVAL.
// Descriptors epoll cannot watch (regular files, block devices) are always
// readable and writable: add_listener reports that and no event ever follows.
#ifndef GLUE_POSIX_FD_ASYNCIO_H
#define GLUE_POSIX_FD_ASYNCIO_H

#include <atomic>
#include <cstdint>

#include <boost/intrusive/list.hpp>

#include "absl/base/thread_annotations.h"
#include "glue/posix/reactor.h"
#include "oskit/com/ptr.h"
#include "oskit/io/asyncio.h"
#include "oskit/sync/mutex.h"

namespace oskit::posix {

// The source of the true conditions for a descriptor whose kernel readiness
// only announces them: an EVL file's kernel descriptor turns readable when the
// file reports an error, and only its own poll tells which condition holds.
class ConditionProbe {
 public:
  // The conditions true now (an OSKIT_ASYNCIO_* mask), or an error.
  virtual oskit_error_t conditions() noexcept = 0;

 protected:
  ~ConditionProbe() = default;
};

class FdAsyncio final : private ReadyHandler {
 public:
  // fd: watched, not owned, valid until close(). self: the object listeners are
  // told about (its IUnknown identity; no reference is taken). allowed: the
  // conditions that can ever hold (e.g. no WRITABLE on a read-only opening).
  // probe, when given, answers poll() and decides which listeners a kernel
  // event concerns (it must outlive close()); EXCEPTION listeners then also
  // watch readability, which announces errors.
  FdAsyncio(int fd, oskit_iunknown* self, oskit_u32_t allowed = OSKIT_ASYNCIO_ALL, Reactor* reactor = nullptr,
            ConditionProbe* probe = nullptr) noexcept;
  // Calls close().
  ~FdAsyncio();
  FdAsyncio(const FdAsyncio&) = delete;
  FdAsyncio& operator=(const FdAsyncio&) = delete;

  // The conditions true now, or an error.
  oskit_error_t poll() noexcept;
  // Registers l for mask (a non-empty subset of OSKIT_ASYNCIO_ALL; otherwise
  // OSKIT_EINVAL). Registering l again replaces its mask. Returns the
  // conditions already true, or an error (then l is not registered).
  oskit_error_t add_listener(oskit_listener* l, oskit_s32_t mask) noexcept;
  // Unregisters l and releases it; OSKIT_EINVAL if l is not registered. Once
  // it returns, l is not being notified and never will be: a notification in
  // progress on the reactor thread is waited for, and one that has not reached
  // l yet skips it (from inside a notification, l is skipped from then on).
  oskit_error_t remove_listener(oskit_listener* l) noexcept;
  // Bytes that can be read now without waiting (FIONREAD).
  oskit_error_t readable() noexcept;
  // Drops every listener and the reactor watch, then waits for a notification
  // in progress on another thread to end (and for the reactor's thread to end
  // when nothing else is watched). Idempotent. Call it from the owner's
  // destructor before closing fd.
  void close() noexcept;

  // Listeners registered now (for tests).
  std::size_t listeners() const noexcept;

 private:
  struct Node : boost::intrusive::list_base_hook<>, env::EnvAllocated<Node> {
    Node(oskit_listener* l, oskit_u32_t m) : listener(ComPtr<oskit_listener>::copy(l)), mask(m) {}
    ComPtr<oskit_listener> listener;
    oskit_u32_t mask;
    std::uint64_t round = 0;  // the last dispatch that called it
  };
  using NodeList = boost::intrusive::list<Node>;

  void on_ready(oskit_u32_t events) noexcept override;
  bool registered(const oskit_listener* l) const noexcept;
  // Copies into batch up to kBatch listeners for events not yet called in
  // this round; returns how many.
  static constexpr std::size_t kBatch = 8;
  std::size_t next_batch(oskit_u32_t events, std::uint64_t round, ComPtr<oskit_listener>* batch,
                         std::uint64_t* removals) noexcept;
  oskit_u32_t interest_locked() const noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  oskit_error_t update_watch_locked() noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int fd_;
  oskit_iunknown* const self_;
  const oskit_u32_t allowed_;
  ConditionProbe* const probe_;
  Reactor& reactor_;
  const bool pollable_;  // epoll can watch fd

  mutable Mutex mu_;
  NodeList nodes_ ABSL_GUARDED_BY(mu_);
  std::uint64_t watch_ ABSL_GUARDED_BY(mu_) = 0;
  oskit_u32_t watched_mask_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // The running dispatch's flag, on the reactor thread's stack: close()
  // clears it, so the dispatch stops touching this object once the owner is
  // gone, even when the owner died inside one of the calls.
  std::atomic<bool>* dispatch_alive_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::uint64_t round_ ABSL_GUARDED_BY(mu_) = 0;
  // Counts removals, so that a dispatch skips a listener removed after its
  // snapshot without a lookup when nothing was removed.
  std::atomic<std::uint64_t> removals_{0};
};

}  // namespace oskit::posix

#endif  // GLUE_POSIX_FD_ASYNCIO_H
