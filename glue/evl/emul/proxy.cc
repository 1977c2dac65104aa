#include "glue/evl/emul/proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "glue/env/osenv.h"
#include "glue/evl/emul/cpu_relax.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/naming.h"
#include "glue/evl/emul/readiness_relay.h"
#include "glue/evl/emul/real.h"
#include "evl/proxy.h"

namespace oskit::evl::emul {
namespace {

// A batch is written, then its room freed: small batches keep blocked
// producers waiting briefly.
constexpr size_t kMaxBatch = 64 << 10;
constexpr size_t kBlockedBatch = 8 << 10;
// Polls before sleeping: a producer that writes again soon needs no wakeup.
constexpr int kIdleSpins = 4000;
constexpr int kCloseRetries = 50;

// A target that is itself one of our descriptors goes through its driver.
ssize_t default_writev(void*, int fd, const struct iovec* iov, int n) {
  if (oskit_evl_is_ours(fd)) return ::write(fd, iov[0].iov_base, iov[0].iov_len);
  return ::writev(fd, iov, n);
}
ssize_t default_read(void*, int fd, void* buf, size_t n) {
  return oskit_evl_is_ours(fd) ? ::read(fd, buf, n) : real::read(fd, buf, n);
}

bool transient(int e) {
  return e == EIO || e == ENOSPC || e == EDQUOT || e == ENOBUFS || e == ENOMEM || e == EINTR || e == EAGAIN;
}

// Backs off on the environment's clock (glue/env), which a harness may move.
void sleep_ns(long ns) { oskit_env_sleep_until(oskit_env_deadline_after(ns)); }

// In static storage, never destroyed: no memory is taken for it.
NameRegistry& proxy_names() {
  alignas(NameRegistry) static unsigned char storage[sizeof(NameRegistry)];
  static NameRegistry* const names = new (storage) NameRegistry;
  return *names;
}

}  // namespace

const oskit_evl_target_io kDefaultTargetIo = {default_writev, default_read, nullptr};

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

int Proxy::create(int targetfd, size_t bufsz, size_t granularity, int flags, const Name& name,
                  bool is_public) {
  gran_ = granularity;
  try {
    name_ = name;
  } catch (const std::bad_alloc&) {
    return -ENOMEM;
  }
  target_ = fcntl(targetfd, F_DUPFD_CLOEXEC, 0);
  if (target_ < 0) return -errno;
  if (flags & EVL_CLONE_OUTPUT) {
    out_ = make_env<OutRing>("evl proxy output ring");
    if (out_ == nullptr) return -ENOMEM;
    int rc = out_->init(bufsz);
    if (rc < 0) return rc;
  }
  if (flags & EVL_CLONE_INPUT) {
    in_ = make_env<InRing>("evl proxy input ring");
    if (in_ == nullptr) return -ENOMEM;
    int rc = in_->init(bufsz);
    if (rc < 0) return rc;
    staging_size_ = gran_ > 1 ? gran_ : std::min<size_t>(in_->size(), 65536);
    staging_ = static_cast<char*>(
        oskit_env_alloc(staging_size_, OSKIT_OSENV_MEM_MAYBLOCK, alignof(std::max_align_t), "evl proxy input staging"));
    if (staging_ == nullptr) return -ENOMEM;
  }
  // Wakes a worker waiting on the target when the proxy closes.
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  if (stop_fd_ < 0) return -errno;
  if (!name_.empty()) {
    int rc = proxy_names().reserve(name_);
    if (rc < 0) return rc;
    name_reserved_ = true;
  }
  if (is_public) {
    std::string dir = root_dir() + "/proxy";
    public_path_ = dir + "/" + name_.c_str();
    mkdir(root_dir().c_str(), 0755);
    mkdir(dir.c_str(), 0755);
    std::string link = "/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(target_);
    for (int attempt = 0;; ++attempt) {
      if (symlink(link.c_str(), public_path_.c_str()) == 0) break;
      int e = errno;
      if (e != EEXIST || attempt > 0) {
        public_path_.clear();
        return -e;
      }
      // A stale entry left by a process that is gone is removed.
      char buf[PATH_MAX];
      ssize_t n = readlink(public_path_.c_str(), buf, sizeof buf - 1);
      int pid = 0;
      if (n > 0) {
        buf[n] = 0;
        sscanf(buf, "/proc/%d/", &pid);
      }
      if (pid <= 0 || (kill(pid, 0) == 0 || errno != ESRCH)) {
        public_path_.clear();
        return -EEXIST;
      }
      unlink(public_path_.c_str());
    }
  }
  return 0;
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
  if (in_ != nullptr) in_space_.wake_all();
  if (out_worker_ != nullptr) out_worker_->join();
  if (in_worker_ != nullptr) in_worker_->join();
}

Proxy::~Proxy() {
  if (name_reserved_) proxy_names().release(name_);
  if (!public_path_.empty()) unlink(public_path_.c_str());
  if (target_ >= 0) real::close(target_);
  if (stop_fd_ >= 0) real::close(stop_fd_);
  if (staging_ != nullptr) oskit_env_free(staging_, staging_size_, alignof(std::max_align_t));
}

// ------------------------------------------------------------- poll

unsigned int Proxy::poll(unsigned int events) const {
  // A mapping-only proxy answers every poller with POLLERR (the "File proxy"
  // page, poll events); the descriptor refresh (events 0) sees no pending
  // error there.
  if (!readable() && !writable()) return events != 0 ? POLLERR : 0;
  unsigned int m = 0;
  if (writable() && out_->fill() == 0) m |= POLLOUT | POLLWRNORM;
  if (readable() && in_->avail() > 0) m |= POLLIN | POLLRDNORM;
  if ((events & (POLLIN | POLLRDNORM)) && !readable()) m |= POLLERR;
  if ((events & (POLLOUT | POLLWRNORM)) && !writable()) m |= POLLERR;
  const uint64_t s = state_.load(std::memory_order_relaxed);
  if (field(s, kOutError) || field(s, kOutFailed) || field(s, kInError)) m |= POLLERR;
  return m;
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
    uint32_t ticket = out_space_.ticket();
    bool was_empty = false;
    bool gave_back = false;
    if (out_->put(buf, count, &was_empty, &gave_back) == 0) {
      if (was_empty) {
        wakeups_.fetch_add(1, std::memory_order_relaxed);
        out_data_.wake_all();
      }
      return static_cast<ssize_t>(count);
    }
    if (gave_back) out_space_.wake_all();
    if (f->flags.load(std::memory_order_relaxed) & O_NONBLOCK) return -EAGAIN;
    if (has(kClosing)) return -EBADF;
    out_space_.wait(ticket);
    if (has(kClosing)) return -EBADF;
  }
}

// Counts a target failure; logs the 1st, 2nd, 4th, 8th... of them.
void Proxy::report(int e, const char* what) {
  uint64_t n = errors_.fetch_add(1, std::memory_order_relaxed) + 1;
  last_error_.store(e, std::memory_order_relaxed);
  if ((n & (n - 1)) != 0) return;
  oskit::env::logf(oskit::env::LogLevel::kWarning, "evl: proxy '%s': %s on target: %s (%llu failures so far)", name_.c_str(),
                   what, strerror(e), static_cast<unsigned long long>(n));
}

// Writes the iovecs fully, resuming short writes and retrying transient
// errors. Returns 0, or the negated errno the target failed with for good.
int Proxy::write_target(struct iovec* iov, int cnt) {
  int attempts = 0;
  while (cnt > 0) {
    if (iov->iov_len == 0) {
      ++iov;
      --cnt;
      continue;
    }
    const oskit_evl_target_io* io = io_.load(std::memory_order_acquire);
    ssize_t n = io->writev(io->ctx, target_, iov, std::min(cnt, IOV_MAX));
    if (n > 0) {
      attempts = 0;
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
      // Untimed: a close wakes the wait through stop_fd_, and then what is
      // left is still written out once the target takes it.
      struct pollfd p[2] = {{target_, POLLOUT, 0}, {stop_fd_, POLLIN, 0}};
      ::poll(p, has(kStopping) ? 1 : 2, -1);
      continue;
    }
    report(e, "write failed");
    if (!transient(e)) return -e;
    set_field(kOutError, e);
    notify(file_);
    if (has(kStopping) && ++attempts > kCloseRetries) return -e;
    sleep_ns(std::min(1000000L, 1000L << std::min(attempts, 10)));
  }
  return 0;
}

// Relays one batch, by granularity units when required.
bool Proxy::relay(OutRing::Batch* b) {
  int rc = 0;
  if (gran_ < 2) {
    rc = write_target(b->iov, b->iovcnt);
  } else {
    for (int i = 0; i < b->iovcnt && rc == 0; ++i) {
      char* p = static_cast<char*>(b->iov[i].iov_base);
      size_t len = b->iov[i].iov_len;
      while (len > 0 && rc == 0) {
        struct iovec unit[2];
        int n = 1;
        size_t k = std::min(len, gran_);
        unit[0] = {p, k};
        p += k;
        len -= k;
        if (k < gran_ && i + 1 < b->iovcnt) {  // a unit split by the ring's end
          size_t rest = gran_ - k;
          unit[n++] = {b->iov[i + 1].iov_base, rest};
          b->iov[i + 1].iov_base = static_cast<char*>(b->iov[i + 1].iov_base) + rest;
          b->iov[i + 1].iov_len -= rest;
        }
        rc = write_target(unit, n);
      }
    }
  }
  if (rc < 0) {
    set_field(kOutFailed, -rc);
    dropped_.fetch_add(b->bytes, std::memory_order_relaxed);
    oskit::env::logf(oskit::env::LogLevel::kError, "evl: proxy '%s': %llu bytes dropped: %s", name_.c_str(),
                     static_cast<unsigned long long>(b->bytes), strerror(-rc));
  }
  out_->release(*b);
  out_space_.wake_all();
  return rc == 0;
}

// Spins a little for new output; true if some arrived.
bool Proxy::idle_spin() {
  for (int i = 0; i < kIdleSpins; ++i) {
    if (out_->fill() != 0) return true;
    cpu_relax();
  }
  return false;
}

// The descriptor's POLLOUT goes off when a relay starts after the worker
// slept, and on again just before it sleeps: a worker that finds new output
// while it polls keeps the descriptor as it is (no system call).
void Proxy::output_loop() {
  OutRing::Batch* batch = &out_batch_;
  for (;;) {
    uint32_t ticket = out_data_.ticket();
    // Producers waiting for room get it back in small steps.
    const uint64_t limit = out_space_.has_waiters() ? kBlockedBatch : kMaxBatch;
    if (out_->collect(batch, limit)) {
      file_->sync_readiness();
      relay(batch);
      continue;
    }
    if (out_->fill() != 0) {  // a producer is between its reservation and its header
      sched_yield();
      continue;
    }
    poll_event().wake_all();
    if (has(kStopping)) break;
    if (idle_spin()) {
      linger();
      continue;
    }
    file_->sync_readiness();
    if (out_->fill() != 0) continue;
    out_data_.wait(ticket);
  }
  file_->sync_readiness();
}

// Output arrived while polling: let a little more accumulate so the target
// sees batches rather than single records.
void Proxy::linger() {
  for (int i = 0; i < kIdleSpins / 4 && out_->fill() < kMaxBatch / 4; ++i) cpu_relax();
}

// ------------------------------------------------------------- input

int Proxy::read_exact_unit(char* dst, size_t unit) {
  size_t got = 0;
  while (got < unit) {
    struct pollfd p[2] = {{target_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) return -errno;
    if (p[1].revents) return -ECANCELED;
    if (p[0].revents == 0) continue;
    const oskit_evl_target_io* io = io_.load(std::memory_order_acquire);
    ssize_t n = io->read(io->ctx, target_, dst + got, unit - got);
    if (n == 0) return got == 0 ? 0 : -EIO;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return -errno;
    }
    got += n;
    if (gran_ < 2) break;
  }
  return static_cast<int>(got);
}

void Proxy::input_loop() {
  const size_t chunk = staging_size_;
  char* const staging = staging_;
  while (!has(kStopping)) {
    uint32_t ticket = in_space_.ticket();
    size_t room = in_->room();
    size_t want = gran_ > 1 ? gran_ : std::min(room, chunk);
    if (room < want || room == 0) {
      in_space_.wait(ticket);
      file_->sync_readiness();
      continue;
    }
    int n = read_exact_unit(staging, want);
    if (n == -ECANCELED) break;
    if (n == 0) {
      raise(kInputEof);
      in_data_.wake_all();
      notify(file_);
      struct pollfd p = {stop_fd_, POLLIN, 0};
      ::poll(&p, 1, -1);
      break;
    }
    if (n < 0) {
      report(-n, "read failed");
      set_field(kInError, -n);
      in_data_.wake_all();
      notify(file_);
      if (!transient(-n)) break;
      sleep_ns(1000000);
      continue;
    }
    relayed_in_.fetch_add(n, std::memory_order_relaxed);
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
    if (s & kInputEof) return 0;
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
  s->last_error = last_error_.load(std::memory_order_relaxed);
}

}  // namespace oskit::evl::emul
