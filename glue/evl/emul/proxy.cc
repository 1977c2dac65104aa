#include "glue/evl/emul/proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "evl/proxy.h"
#include "glue/env/osenv.h"
#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/naming.h"
#include "glue/evl/emul/readiness_relay.h"
#include "glue/evl/emul/real.h"
#include "glue/evl/emul/sleep.h"
#include "oskit/sync/cpu_relax.h"

namespace oskit::evl::emul {
namespace {

// A batch is written, then its room freed: small batches keep blocked
// producers waiting briefly.
constexpr size_t kMaxBatch = 64 << 10;
constexpr size_t kBlockedBatch = 8 << 10;
// Records below this size are copied together into one buffer: the target
// sees a few large writes rather than many small ones.
constexpr size_t kCoalesce = 2048;
constexpr size_t kOutStaging = kMaxBatch + kCoalesce;
constexpr int kMaxIov = OutRing::kMaxSegments;
// How long the output worker polls (its own CPU time) before it sleeps:
// while it polls, a producer makes no system call. Under an embedder's
// environment, which offers no CPU clock of a thread, the budget is counted
// in polling rounds instead (each ends with a yield).
constexpr int64_t kPollNs = 50000;
constexpr unsigned kPollRounds = 64;
constexpr int kCloseRetries = 50;

// After close(2) began, how long a target may accept nothing before the
// output still queued is dropped (counted and logged), on the environment's
// clock, and how often it is looked at meanwhile.
constexpr int64_t kCloseStallNs = 200 * 1000 * 1000;
constexpr int64_t kCloseCheckNs = 1000 * 1000;

bool transient(int e) {
  return e == EIO || e == ENOSPC || e == EDQUOT || e == ENOBUFS || e == ENOMEM || e == EINTR || e == EAGAIN;
}

// In static storage, never destroyed: no memory is taken for it.
NameRegistry& proxy_names() {
  alignas(NameRegistry) static unsigned char storage[sizeof(NameRegistry)];
  static NameRegistry* const names = new (storage) NameRegistry;
  return *names;
}

}  // namespace

// Relay workers take SIGPIPE as the EPIPE error it comes with: a target
// losing its reader must not end the program.
void block_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Takes a SIGPIPE the last write left pending on the calling thread.
void discard_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  const struct timespec now = {0, 0};
  while (sigtimedwait(&set, nullptr, &now) == SIGPIPE) {
  }
}

// ------------------------------------------------------------- state

void Proxy::set_field(int at, int e) {
  const uint64_t mask = uint64_t{0xff} << at;
  const uint64_t value = static_cast<uint64_t>(std::min(e, 0xff)) << at;
  uint64_t s = state_.load(std::memory_order_relaxed);
  while (!state_.compare_exchange_weak(s, (s & ~mask) | value, std::memory_order_seq_cst)) {
  }
}

int Proxy::take_field(int at) {
  const uint64_t mask = uint64_t{0xff} << at;
  uint64_t s = state_.load(std::memory_order_relaxed);
  while ((s & mask) != 0 && !state_.compare_exchange_weak(s, s & ~mask, std::memory_order_seq_cst)) {
  }
  return field(s, at);
}

// ------------------------------------------------------------- creation

int Proxy::create(int targetfd, size_t bufsz, size_t granularity, int flags, const Name& name, bool is_public) {
  gran_ = granularity;
  try {
    name_ = name;
  } catch (const std::bad_alloc&) {
    return -ENOMEM;
  }
  // A mapping-only proxy's reference to the target survives exec(2) as the
  // target does, so that a program the creator runs still maps it through
  // the public entry.
  const bool mapping_only = !(flags & (EVL_CLONE_INPUT | EVL_CLONE_OUTPUT));
  const bool keep_on_exec = mapping_only && !(fcntl(targetfd, F_GETFD) & FD_CLOEXEC);
  target_ = fcntl(targetfd, keep_on_exec ? F_DUPFD : F_DUPFD_CLOEXEC, 0);
  if (target_ < 0) return -errno;
  if (FileRef ours = lookup(targetfd)) {
    target_file_ = ours.get();
    target_file_->hold();
  }
  if (flags & EVL_CLONE_OUTPUT) {
    open_output_descriptor(targetfd);
    out_ = make_env<OutRing>("evl proxy output ring");
    if (out_ == nullptr) return -ENOMEM;
    int rc = out_->init(bufsz, std::max<size_t>(granularity, 1));
    if (rc < 0) return rc;
    out_staging_ = static_cast<char*>(
        oskit_env_alloc(kOutStaging, OSKIT_OSENV_MEM_MAYBLOCK, alignof(std::max_align_t), "evl proxy output staging"));
    if (out_staging_ == nullptr) return -ENOMEM;
  }
  if (flags & EVL_CLONE_INPUT) {
    in_ = make_env<InRing>("evl proxy input ring");
    if (in_ == nullptr) return -ENOMEM;
    int rc = in_->init(bufsz);
    if (rc < 0) return rc;
    in_staging_size_ = gran_ > 1 ? gran_ : std::min<size_t>(in_->size(), 65536);
    in_staging_ = static_cast<char*>(oskit_env_alloc(in_staging_size_, OSKIT_OSENV_MEM_MAYBLOCK,
                                                     alignof(std::max_align_t), "evl proxy input staging"));
    if (in_staging_ == nullptr) return -ENOMEM;
    in_wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (in_wake_fd_ < 0) return -errno;
  }
  if (flags & EVL_CLONE_OUTPUT) {  // wakes the output worker waiting on a full target at close
    stop_fd_ = eventfd(0, EFD_CLOEXEC);
    if (stop_fd_ < 0) return -errno;
  }
  if (!name_.empty()) {
    int rc = proxy_names().reserve(name_);
    if (rc < 0) return rc;
    name_reserved_ = true;
  }
  if (is_public) {
    // The entry leads to the target, so a peer process reaches it (maps it).
    int rc = entry_.make(EVL_PROXY_DEV, std::string(name_.data(), name_.size()), target_);
    if (rc < 0) return rc;
  }
  return 0;
}

// Output to a socket is sent with MSG_DONTWAIT; to a FIFO or a character
// device, through an opening of its own that does not block. Either way a
// target that never drains cannot hold the output worker (and close(2))
// hostage, and O_NONBLOCK of the caller's descriptor is left alone. Other
// files (regular files, eventfd, ...) are written through the duplicate.
void Proxy::open_output_descriptor(int targetfd) {
  out_target_ = target_;
  struct stat st;
  if (target_file_ != nullptr || fstat(targetfd, &st) != 0) return;
  if (S_ISSOCK(st.st_mode)) {
    target_is_socket_ = true;
  } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    char path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", target_);
    const int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd >= 0) out_target_ = fd;
  }
}

int Proxy::start_workers(File* file) {
  file_ = file;
  auto& env = oskit::env::current();
  // Thread names are short (15 bytes on Linux): no memory is needed for them.
  char thread_name[16];
  if (out_ != nullptr) {
    snprintf(thread_name, sizeof thread_name, "evl-out:%s", name_.c_str());
    auto t = env.start_thread(thread_name, [this] { output_loop(); });
    if (!t.ok()) return -ENOMEM;
    out_worker_ = std::move(t).value();
  }
  if (in_ != nullptr) {
    snprintf(thread_name, sizeof thread_name, "evl-in:%s", name_.c_str());
    auto t = env.start_thread(thread_name, [this] { input_loop(); });
    if (!t.ok()) return -ENOMEM;
    in_worker_ = std::move(t).value();
  }
  return 0;
}

void Proxy::stop_workers() {
  raise(kStopping);
  uint64_t one = 1;
  if (stop_fd_ >= 0) real::write(stop_fd_, &one, sizeof one);
  if (out_ != nullptr) out_data_.wake_all();
  if (in_ != nullptr) {
    if (in_wake_fd_ >= 0) wake_input_worker();
    in_space_.wake_all();
  }
  if (out_worker_ != nullptr) out_worker_->join();
  if (in_worker_ != nullptr) in_worker_->join();
}

Proxy::~Proxy() {
  if (name_reserved_) proxy_names().release(name_);
  if (out_target_ >= 0 && out_target_ != target_) real::close(out_target_);
  if (target_ >= 0) real::close(target_);
  if (in_wake_fd_ >= 0) real::close(in_wake_fd_);
  if (stop_fd_ >= 0) real::close(stop_fd_);
  if (target_file_ != nullptr) target_file_->drop_hold();
  if (out_staging_ != nullptr) oskit_env_free(out_staging_, kOutStaging, alignof(std::max_align_t));
  if (in_staging_ != nullptr) oskit_env_free(in_staging_, in_staging_size_, alignof(std::max_align_t));
}

// ------------------------------------------------------------- target I/O

ssize_t Proxy::io_writev(void* ctx, int fd, const struct iovec* iov, int n) {
  auto* p = static_cast<Proxy*>(ctx);
  if (File* t = p->target_file_) {
    auto op = t->fops->write != nullptr ? t->fops->write : t->fops->oob_write;
    if (op == nullptr) return errno = EINVAL, -1;
    ssize_t rc = op(t->cfile(), iov[0].iov_base, iov[0].iov_len);
    if (rc < 0) errno = static_cast<int>(-rc);
    return rc < 0 ? -1 : rc;
  }
  if (p->target_is_socket_) {
    struct msghdr msg = {};
    msg.msg_iov = const_cast<struct iovec*>(iov);
    msg.msg_iovlen = static_cast<size_t>(n);
    return sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  return ::writev(fd, iov, n);
}

ssize_t Proxy::io_read(void* ctx, int fd, void* buf, size_t n) {
  auto* p = static_cast<Proxy*>(ctx);
  if (File* t = p->target_file_) {
    auto op = t->fops->read != nullptr ? t->fops->read : t->fops->oob_read;
    if (op == nullptr) return errno = EINVAL, -1;
    ssize_t rc = op(t->cfile(), buf, n);
    if (rc < 0) errno = static_cast<int>(-rc);
    return rc < 0 ? -1 : rc;
  }
  return real::read(fd, buf, n);
}

// ------------------------------------------------------------- poll

unsigned int Proxy::poll(unsigned int events) const {
  // A mapping-only proxy answers every poller with POLLERR (the "File proxy"
  // page, poll events); the descriptor refresh (events 0) sees no pending
  // error there.
  if (!readable() && !writable()) return events != 0 ? POLLERR : 0;
  const uint64_t s = state_.load(std::memory_order_acquire);
  unsigned int m = 0;
  if (writable() && out_->queued() == 0) m |= POLLOUT | POLLWRNORM;
  if (readable() && (in_->avail() > 0 || target_readable_.load(std::memory_order_acquire))) m |= POLLIN | POLLRDNORM;
  if ((events & (POLLIN | POLLRDNORM)) && !readable()) m |= POLLERR;
  if ((events & (POLLOUT | POLLWRNORM)) && !writable()) m |= POLLERR;
  if (field(s, kOutError) || field(s, kOutFailed) || field(s, kInError)) m |= POLLERR;
  // A permanent input failure wakes pollers until a reader is told; then the
  // input side has hung up: nothing more will come.
  if (field(s, kInFailed) != 0 && (m & POLLIN) == 0) m |= (s & kInputFailureSeen) ? POLLHUP : POLLERR;
  return m;
}

uint64_t Proxy::input_waiting() const {
  if (!readable()) return 0;
  const uint64_t ringed = in_->avail();
  if (!target_readable_.load(std::memory_order_acquire)) return ringed;
  // The kernel's count for a target of the system's (asked directly: this
  // is the core's own look at the target, not a system call of the
  // caller), in whole units: a reader gets nothing less. A target readable
  // with nothing held is at its end: nothing more comes. A target that
  // cannot tell: a unit.
  const size_t unit = std::max<size_t>(gran_, 1);
  int held = 0;
  if (target_file_ == nullptr && syscall(SYS_ioctl, target_, FIONREAD, &held) == 0 && held >= 0) {
    return ringed + static_cast<uint64_t>(held) / unit * unit;
  }
  return ringed + unit;
}

// ------------------------------------------------------------- output

ssize_t Proxy::write(File* f, const void* buf, size_t count) {
  if (!writable()) return -ENXIO;
  if (count == 0) return 0;
  if (count > out_->bufsz()) return -EFBIG;
  if (gran_ > 1 && count % gran_ != 0) return -EINVAL;
  for (;;) {
    const uint64_t s = state_.load(std::memory_order_relaxed);
    if (int e = field(s, kOutFailed)) return -e;
    if (field(s, kOutError) != 0) {
      if (int e = take_field(kOutError)) return -e;
    }
    bool wake = false;
    int rc = out_->put(buf, count, &wake);
    if (wake) wake_output_worker();
    if (rc == 0) return static_cast<ssize_t>(count);
    if (rc != -EAGAIN) return rc;
    if (f->flags.load(std::memory_order_relaxed) & O_NONBLOCK) return -EAGAIN;
    // Sleeps until the worker releases room (or close(2) begins, or the
    // output fails for good).
    out_space_.await([&] {
      return has(kClosing) || field(state_.load(std::memory_order_seq_cst), kOutFailed) != 0 || out_->has_room(count);
    });
    if (has(kClosing)) return -EBADF;
  }
}

void Proxy::wake_output_worker() {
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  out_data_.wake_all();
}

// Counts a target failure; logs the 1st, 2nd, 4th, 8th... of them.
void Proxy::report(int e, const char* what) {
  uint64_t n = errors_.fetch_add(1, std::memory_order_relaxed) + 1;
  last_error_.store(e, std::memory_order_relaxed);
  if ((n & (n - 1)) != 0) return;
  oskit::env::logf(oskit::env::LogLevel::kWarning, "evl: proxy '%s': %s on target: %s (%llu failures so far)",
                   name_.c_str(), what, strerror(e), static_cast<unsigned long long>(n));
}

// Waits for a full target to take more. Returns 0, or -EAGAIN once close(2)
// began and the target has taken nothing for kCloseStallNs. Until close(2)
// the wait on the target is untimed (close wakes it through stop_fd_; one of
// our files, whose descriptor stops mirroring it once closed, is looked at
// again every 100 ms). After, the target is looked at every kCloseCheckNs of
// the environment's clock, so that the bound holds in the environment's time
// (which a harness may move).
int Proxy::await_target_room(int64_t* stalled_since) {
  struct pollfd p[2] = {{out_target_, POLLOUT, 0}, {stop_fd_, POLLIN, 0}};
  if (!has(kStopping)) {
    ::poll(p, 2, target_file_ != nullptr ? 100 : -1);
    return 0;
  }
  const int64_t now = oskit_env_now();
  if (*stalled_since == 0) *stalled_since = now;
  if (now - *stalled_since >= kCloseStallNs) return -EAGAIN;
  if (::poll(p, 1, 0) == 0) sleep_ns(kCloseCheckNs);
  return 0;
}

// Writes the iovecs fully, resuming short writes and retrying transient
// errors. Returns 0, or the negated errno the target failed with for good
// (-EAGAIN: close(2) began and the target stayed full).
int Proxy::write_target(struct iovec* iov, int cnt) {
  int attempts = 0;
  int64_t stalled_since = 0;
  while (cnt > 0) {
    if (iov->iov_len == 0) {
      ++iov;
      --cnt;
      continue;
    }
    const oskit_evl_target_io* io = io_.load(std::memory_order_acquire);
    ssize_t n = io->writev(io->ctx, out_target_, iov, std::min(cnt, IOV_MAX));
    if (n > 0) {
      attempts = 0;
      stalled_since = 0;
      relayed_out_.fetch_add(n, std::memory_order_relaxed);
      while (n > 0 && cnt > 0) {
        size_t k = std::min<size_t>(n, iov->iov_len);
        iov->iov_base = static_cast<char*>(iov->iov_base) + k;
        iov->iov_len -= k;
        n -= k;
        if (iov->iov_len == 0) {
          ++iov;
          --cnt;
        }
      }
      continue;
    }
    int e = n < 0 ? errno : EIO;
    if (e == EINTR) continue;
    if (e == EAGAIN) {
      if (await_target_room(&stalled_since) < 0) return -EAGAIN;
      continue;
    }
    if (e == EPIPE) discard_sigpipe();
    report(e, "write failed");
    if (!transient(e)) return -e;
    set_field(kOutError, e);
    notify(file_);
    if (has(kStopping) && ++attempts > kCloseRetries) return -e;
    sleep_ns(std::min(1000000L, 1000L << std::min(attempts, 10)));
  }
  return 0;
}

// The batch's segments as iovecs, small ones copied together into the
// staging buffer. Returns the count.
int Proxy::gather(const OutRing::Batch& b, struct iovec* iov) {
  int n = 0;
  size_t staged = 0;
  for (int i = 0; i < b.iovcnt; ++i) {
    const struct iovec& seg = b.iov[i];
    if (seg.iov_len >= kCoalesce || staged + seg.iov_len > kMaxBatch + kCoalesce) {
      iov[n++] = seg;
      continue;
    }
    char* at = out_staging_ + staged;
    memcpy(at, seg.iov_base, seg.iov_len);
    staged += seg.iov_len;
    if (n > 0 && static_cast<char*>(iov[n - 1].iov_base) + iov[n - 1].iov_len == at) {
      iov[n - 1].iov_len += seg.iov_len;
    } else {
      iov[n++] = {at, seg.iov_len};
    }
  }
  return n;
}

// Writes the iovecs unit by unit, for a target that takes exactly gran_
// bytes per transfer. A unit spans two iovecs at most (a record split at the
// ring's end).
int Proxy::write_units(struct iovec* iov, int cnt) {
  int rc = 0;
  for (int i = 0; i < cnt && rc == 0; ++i) {
    char* p = static_cast<char*>(iov[i].iov_base);
    size_t len = iov[i].iov_len;
    while (len > 0 && rc == 0) {
      struct iovec unit[2];
      int n = 1;
      size_t k = std::min(len, gran_);
      unit[0] = {p, k};
      p += k;
      len -= k;
      if (k < gran_ && i + 1 < cnt) {
        size_t rest = gran_ - k;
        unit[n++] = {iov[i + 1].iov_base, rest};
        iov[i + 1].iov_base = static_cast<char*>(iov[i + 1].iov_base) + rest;
        iov[i + 1].iov_len -= rest;
      }
      rc = write_target(unit, n);
    }
  }
  return rc;
}

// Gives up a batch: counted, logged, and from then on what follows it too
// (the target must never receive a later record without an earlier one).
void Proxy::drop(const OutRing::Batch& b, int e) {
  give_up_ = e;
  if (e != EAGAIN) set_field(kOutFailed, e);
  // The whole batch counts, a record the target took in part included.
  const uint64_t bytes = b.bytes;
  if (bytes == 0) return;
  dropped_.fetch_add(bytes, std::memory_order_relaxed);
  oskit::env::logf(oskit::env::LogLevel::kError, "evl: proxy '%s': %llu bytes dropped: %s", name_.c_str(),
                   static_cast<unsigned long long>(bytes),
                   e == EAGAIN ? "the target stayed full after close" : strerror(e));
}

// Relays one batch (or drops it, once the output gave up), then releases
// its room.
void Proxy::relay(OutRing::Batch* b) {
  if (give_up_ != 0) {
    drop(*b, give_up_);
  } else {
    struct iovec iov[kMaxIov];
    const int n = gather(*b, iov);
    const int rc = gran_ < 2 ? write_target(iov, n) : write_units(iov, n);
    if (rc < 0) drop(*b, -rc);
  }
  out_->release(*b);
  out_space_.wake_waiters();
}

// The calling thread's CPU time, ns.
int64_t thread_cpu_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// Polls for output until it has spent kPollNs of its own CPU time finding
// none (kPollRounds rounds under an embedder's environment; or for as long
// as held awake): time it spends preempted does not
// count, so a worker the scheduler set aside does not go to sleep the moment
// it runs again, costing the next producer a wakeup. Every kYieldEvery
// passes it yields: a producer it preempted on the same CPU (a woken worker
// usually does) publishes only once it runs again, and would otherwise wait
// the whole budget. True when a record is ready or the proxy stops.
bool Proxy::poll_for_output() {
  constexpr unsigned kYieldEvery = 32;
  const bool cpu_clock = poll_on_cpu_clock_;
  const int64_t until = cpu_clock ? thread_cpu_ns() + kPollNs : 0;
  for (unsigned i = 1;; ++i) {
    if (out_->ready() || has(kStopping)) return true;
    if (i % kYieldEvery != 0) {
      cpu_relax();
      continue;
    }
    sched_yield();
    if (hold_awake_.load(std::memory_order_relaxed)) continue;
    if (cpu_clock ? thread_cpu_ns() >= until : i / kYieldEvery >= kPollRounds) return false;
  }
}

// Sleeps until a producer publishes (or the proxy stops). The kernel
// descriptor shows POLLOUT while the ring is empty.
void Proxy::sleep_until_output() {
  out_->rebase_if_idle();
  poll_event().wake_all();
  file_->sync_readiness();
  const uint32_t ticket = out_data_.ticket();
  if (out_->prepare_sleep() && !has(kStopping)) {
    sleeps_.fetch_add(1, std::memory_order_relaxed);
    out_data_.wait(ticket);
  }
  out_->end_sleep();
}

// Relays batches while there are any; polls, then sleeps, when there are
// none. A record published while the worker polls waits one pass of its
// loop (tens of nanoseconds); published while it sleeps, one wakeup (the
// futex wake, microseconds); published while it writes, the batch in flight.
void Proxy::output_loop() {
  block_sigpipe();
  // The environment stays for the worker's life (it cannot change while a
  // thread it started runs).
  poll_on_cpu_clock_ = oskit::env::installed() == &oskit::env::host();
  OutRing::Batch* const batch = &out_batch_;
  bool descriptor_idle = true;  // the kernel descriptor shows POLLOUT
  for (;;) {
    const uint64_t limit = out_space_.has_waiters() ? kBlockedBatch : kMaxBatch;
    if (out_->collect(batch, limit)) {
      if (descriptor_idle) {
        file_->sync_readiness();
        descriptor_idle = false;
      }
      relay(batch);
      continue;
    }
    // A record reserved before close(2) began is published before its
    // writer lets go of the descriptor: queued() counts it until then.
    if (has(kStopping) && out_->queued() == 0) break;
    // Back to the committed start while empty: producers that keep the
    // worker awake never reach storage they would fault in.
    out_->rebase_if_idle();
    if (poll_for_output()) continue;
    sleep_until_output();
    descriptor_idle = true;
  }
  file_->sync_readiness();
}

// ------------------------------------------------------------- input

// The input side reads from the target on demand only, as the core does: a
// reader finding the ring empty asks the worker for data; until one asks,
// the worker watches the target so that pollers learn it has some.

void Proxy::wake_input_worker() {
  uint64_t one = 1;
  real::write(in_wake_fd_, &one, sizeof one);
}

void Proxy::want_input() {
  if (!in_wanted_.exchange(true, std::memory_order_acq_rel)) wake_input_worker();
}

bool Proxy::woken_to_stop() {
  uint64_t count;
  real::read(in_wake_fd_, &count, sizeof count);
  return has(kStopping);
}

// Whether a target of ours has input (or an error) for the worker now.
bool Proxy::target_file_readable() const {
  return target_file_ != nullptr && (target_file_->poll(POLLIN) & (POLLIN | POLLRDNORM | POLLERR | POLLHUP)) != 0;
}

// Waits until the target has input (if watch), a wake-up comes (a reader
// asking for input), or the proxy stops.
Proxy::InputWake Proxy::await_target(bool watch) {
  for (;;) {
    if (has(kStopping)) return InputWake::kStop;
    if (watch && target_file_readable()) return InputWake::kTarget;
    // Our own target's kernel descriptor mirrors its readiness while its
    // descriptor is open; after that, it is looked at every 10 ms.
    const bool mirrored = target_file_ == nullptr || !target_file_->closing.load(std::memory_order_acquire);
    struct pollfd p[2] = {{in_wake_fd_, POLLIN, 0}, {watch && mirrored ? target_ : -1, POLLIN, 0}};
    int rc = ::poll(p, 2, watch && target_file_ != nullptr ? 10 : -1);
    if (rc < 0 && errno != EINTR) return has(kStopping) ? InputWake::kStop : InputWake::kTarget;
    if (p[0].revents != 0) return woken_to_stop() ? InputWake::kStop : InputWake::kWoken;
    if (p[1].revents != 0 && target_file_ == nullptr) return InputWake::kTarget;
    if (p[1].revents != 0) ::poll(p, 1, 1);  // the mirror lags the file: do not spin
  }
}

bool Proxy::await_demand() {
  while (!in_wanted_.load(std::memory_order_acquire)) {
    const bool watching = !target_readable_.load(std::memory_order_relaxed);
    const InputWake w = await_target(watching);
    if (w == InputWake::kStop) return false;
    if (w == InputWake::kTarget && watching) {
      target_readable_.store(true, std::memory_order_release);
      notify(file_);
    }
  }
  return true;
}

// Reads into dst[*got, unit) (a whole unit with a granularity, else what
// comes). Returns the bytes *got now holds, 0 at end of file with nothing
// read, -EIO at end of file in the middle of a unit, -ECANCELED when the
// proxy stops, or a negated errno (*got keeps what was read before it).
int Proxy::read_unit(char* dst, size_t unit, size_t* got) {
  while (*got < unit) {
    InputWake w;
    while ((w = await_target(true)) == InputWake::kWoken) {
    }
    if (w == InputWake::kStop) return -ECANCELED;
    const oskit_evl_target_io* io = io_.load(std::memory_order_acquire);
    ssize_t n = io->read(io->ctx, target_, dst + *got, unit - *got);
    if (n == 0) {
      if (*got == 0) return 0;
      *got = 0;  // a unit cut short by the end: reported, then the end
      return -EIO;
    }
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return -errno;
    }
    *got += n;
    if (gran_ < 2) break;
  }
  return static_cast<int>(*got);
}

void Proxy::input_loop() {
  block_sigpipe();
  const size_t chunk = in_staging_size_;
  char* const staging = in_staging_;
  size_t got = 0;  // of a unit, kept across transient errors
  while (!has(kStopping)) {
    if (!await_demand()) break;
    uint32_t ticket = in_space_.ticket();
    size_t room = in_->room();
    size_t want = gran_ > 1 ? gran_ : std::min(room, chunk);
    if (room < want || room == 0) {
      in_space_.wait(ticket);
      file_->sync_readiness();
      continue;
    }
    target_readable_.store(false, std::memory_order_release);
    int n = read_unit(staging, want, &got);
    if (n == -ECANCELED) break;
    if (n == 0) {
      raise(kInputEof);
      in_data_.wake_all();
      notify(file_);
      while (!has(kStopping)) {
        struct pollfd p = {in_wake_fd_, POLLIN, 0};
        if (::poll(&p, 1, -1) > 0 && woken_to_stop()) break;
      }
      break;
    }
    if (n < 0) {
      report(-n, "read failed");
      const bool permanent = !transient(-n);
      set_field(permanent ? kInFailed : kInError, -n);
      in_data_.wake_all();
      notify(file_);
      if (permanent) break;
      sleep_ns(1000000);
      continue;
    }
    got = 0;
    relayed_in_.fetch_add(n, std::memory_order_relaxed);
    in_wanted_.store(false, std::memory_order_release);
    in_->push(staging, n);
    in_data_.wake_all();
    notify(file_);
  }
}

ssize_t Proxy::read(File* f, void* buf, size_t count) {
  if (!readable()) return -ENXIO;
  if (count == 0) return 0;
  size_t unit = gran_ > 1 ? gran_ : 1;
  if (count % unit != 0) return -EINVAL;
  for (;;) {
    uint32_t ticket = in_data_.ticket();
    bool emptied = false;
    size_t n = in_->pop(static_cast<char*>(buf), count, unit, &emptied);
    if (n > 0) {
      in_space_.wake_all();
      if (emptied) notify(f);
      return static_cast<ssize_t>(n);
    }
    const uint64_t s = state_.load(std::memory_order_acquire);
    if (field(s, kInError) != 0) {
      if (int e = take_field(kInError)) return -e;
    }
    if (int e = field(s, kInFailed)) {
      if ((s & kInputFailureSeen) == 0) {
        raise(kInputFailureSeen);
        notify(f);
      }
      return -e;
    }
    if (s & kInputEof) return 0;
    want_input();
    if (f->flags.load(std::memory_order_relaxed) & O_NONBLOCK) return -EAGAIN;
    if (s & kClosing) return -EBADF;
    in_data_.wait(ticket);
    if (has(kClosing)) return -EBADF;
  }
}

// ------------------------------------------------------------- mmap, close

int Proxy::mmap(void* addr, size_t length, int prot, int flags, off_t offset, void** mapped) {
  void* p = oskit_evl_real_mmap(addr, length, prot, flags, target_, offset);
  if (p == MAP_FAILED) return -errno;
  *mapped = p;
  return 0;
}

void Proxy::flush() {
  raise(kClosing);
  if (out_ != nullptr) out_space_.wake_all();
  if (in_ != nullptr) in_data_.wake_all();
}

void Proxy::stats(oskit_evl_proxy_stats* s) const {
  s->bytes_relayed_out = relayed_out_.load(std::memory_order_relaxed);
  s->bytes_relayed_in = relayed_in_.load(std::memory_order_relaxed);
  s->target_errors = errors_.load(std::memory_order_relaxed);
  s->bytes_dropped = dropped_.load(std::memory_order_relaxed);
  s->worker_wakeups = wakeups_.load(std::memory_order_relaxed);
  s->worker_sleeps = sleeps_.load(std::memory_order_relaxed);
  s->last_error = last_error_.load(std::memory_order_relaxed);
}

}  // namespace oskit::evl::emul
