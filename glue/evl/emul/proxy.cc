// File proxies (seed 001): a ring per enabled direction, relayed to and from
// the target file by in-band worker threads started through glue/env.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "glue/env/env.h"
#include "glue/evl/emul/core.h"
#include "glue/evl/emul/real.h"
#include "glue/evl/emul/seams.h"
#include "evl/proxy.h"
#include "evl/syscall.h"
#include "evl/thread.h"

namespace oskit::evl::emul {
namespace {

constexpr size_t kMaxBufsz = size_t{1} << 30;
// A batch is written, then its room freed: small batches keep blocked
// producers waiting briefly.
constexpr size_t kMaxBatch = 64 << 10;
constexpr size_t kBlockedBatch = 8 << 10;
constexpr int kMaxIov = 32;
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
const oskit_evl_target_io kDefaultIo = {default_writev, default_read, nullptr};

bool transient(int e) {
  return e == EIO || e == ENOSPC || e == EDQUOT || e == ENOBUFS || e == ENOMEM || e == EINTR || e == EAGAIN;
}

void* ring_alloc(size_t size) { return oskit::env::current().allocate(size, 64); }
void ring_free(void* p, size_t size) { oskit::env::current().deallocate(p, size, 64); }

// Wait-free reservation by producers, in-order consumption by one worker.
// Each write is a record: an 8-byte header (length << 1 | ready) followed by
// the payload, padded to 8 bytes. Payload accounting (fill) enforces bufsz.
class OutRing {
 public:
  ~OutRing() {
    if (mem_ != nullptr) ring_free(mem_, size_);
  }
  int init(size_t bufsz) {
    bufsz_ = bufsz;
    size_ = (3 * bufsz + 4096 + 7) & ~size_t{7};
    mem_ = static_cast<char*>(ring_alloc(size_));
    if (mem_ == nullptr) return -ENOMEM;
    memset(mem_, 0, size_);
    return 0;
  }
  size_t bufsz() const { return bufsz_; }
  uint64_t fill() const { return fill_.load(std::memory_order_seq_cst); }

  // Queues count bytes; -EAGAIN when there is no room. *was_empty tells the
  // caller to wake the worker.
  int put(const void* buf, size_t count, bool* was_empty) {
    uint64_t f = fill_.load(std::memory_order_relaxed);
    do {
      if (f + count > bufsz_) return -EAGAIN;
    } while (!fill_.compare_exchange_weak(f, f + count, std::memory_order_seq_cst, std::memory_order_relaxed));
    uint64_t rec = 8 + ((count + 7) & ~size_t{7});
    uint64_t t = tail_.load(std::memory_order_relaxed);
    do {
      if (t + rec - head_.load(std::memory_order_acquire) > size_) {
        fill_.fetch_sub(count, std::memory_order_seq_cst);
        space.wake_all();
        return -EAGAIN;
      }
    } while (!tail_.compare_exchange_weak(t, t + rec, std::memory_order_acq_rel, std::memory_order_relaxed));
    copy_in(t + 8, static_cast<const char*>(buf), count);
    __atomic_store_n(header(t), (uint64_t{count} << 1) | 1, __ATOMIC_RELEASE);
    *was_empty = (f == 0);
    return 0;
  }

  // The consumer's view: ready records from head, as iovecs.
  struct Batch {
    struct iovec iov[2 * kMaxIov];
    int iovcnt = 0;
    uint64_t end = 0;     // storage position after the batch
    uint64_t bytes = 0;   // payload bytes
  };
  // Collects ready records; waits (in-band) for a reserved record to be
  // published. Returns false when nothing is reserved.
  bool collect(Batch* b) {
    // Producers waiting for room get it back in small steps.
    const uint64_t limit = space.has_waiters() ? kBlockedBatch : kMaxBatch;
    uint64_t h = head_.load(std::memory_order_relaxed);
    uint64_t t = tail_.load(std::memory_order_acquire);
    b->iovcnt = 0;
    b->bytes = 0;
    b->end = h;
    int spins = 0;
    while (b->end < t && b->iovcnt < kMaxIov * 2 - 2 && b->bytes < limit) {
      uint64_t v = __atomic_load_n(header(b->end), __ATOMIC_ACQUIRE);
      if ((v & 1) == 0) {
        if (b->iovcnt > 0) break;
        backoff(++spins);
        continue;
      }
      uint64_t len = v >> 1;
      add_segments(b, b->end + 8, len);
      b->bytes += len;
      b->end += 8 + ((len + 7) & ~uint64_t{7});
    }
    return b->iovcnt > 0;
  }
  // Frees what a batch held. The room is zeroed: any 8-byte word of it may
  // hold a header in a later lap, and the consumer must find "not ready"
  // there until the producer publishes.
  void release(const Batch& b) {
    uint64_t h = head_.load(std::memory_order_relaxed);
    size_t off = h % size_;
    size_t n = b.end - h;
    size_t first = std::min(n, size_ - off);
    memset(mem_ + off, 0, first);
    if (first < n) memset(mem_, 0, n - first);
    head_.store(b.end, std::memory_order_release);
    fill_.fetch_sub(b.bytes, std::memory_order_seq_cst);
    space.wake_all();
  }

  Event data;   // producers -> worker, on the empty to non-empty transition
  Event space;  // worker -> blocked producers

 private:
  static void backoff(int spins) {
    if (spins < 64) return;
    if (spins < 1000) {
      sched_yield();
    } else {
      sleep_ns(50000);
    }
  }
  uint64_t* header(uint64_t pos) { return reinterpret_cast<uint64_t*>(mem_ + pos % size_); }
  void copy_in(uint64_t pos, const char* src, size_t n) {
    size_t off = pos % size_;
    size_t first = std::min(n, size_ - off);
    memcpy(mem_ + off, src, first);
    if (first < n) memcpy(mem_, src + first, n - first);
  }
  void add_segments(Batch* b, uint64_t pos, uint64_t n) {
    size_t off = pos % size_;
    size_t first = std::min<uint64_t>(n, size_ - off);
    if (first > 0) b->iov[b->iovcnt++] = {mem_ + off, first};
    if (first < n) b->iov[b->iovcnt++] = {mem_, n - first};
  }

  char* mem_ = nullptr;
  size_t size_ = 0;
  size_t bufsz_ = 0;
  alignas(64) std::atomic<uint64_t> tail_{0};
  alignas(64) std::atomic<uint64_t> head_{0};
  alignas(64) std::atomic<uint64_t> fill_{0};
};

// One producer (the worker), readers serialised by a spinlock.
class InRing {
 public:
  ~InRing() {
    if (mem_ != nullptr) ring_free(mem_, size_);
  }
  int init(size_t bufsz) {
    size_ = bufsz;
    mem_ = static_cast<char*>(ring_alloc(size_));
    return mem_ == nullptr ? -ENOMEM : 0;
  }
  size_t size() const { return size_; }
  uint64_t avail() const {
    return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
  }
  size_t room() const { return size_ - avail(); }
  // Worker side: appends n bytes (room checked by the caller). Returns the
  // fill before.
  uint64_t push(const char* src, size_t n) {
    uint64_t t = tail_.load(std::memory_order_relaxed);
    size_t off = t % size_;
    size_t first = std::min(n, size_ - off);
    memcpy(mem_ + off, src, first);
    if (first < n) memcpy(mem_, src + first, n - first);
    uint64_t before = t - head_.load(std::memory_order_acquire);
    tail_.store(t + n, std::memory_order_release);
    return before;
  }
  // Reader side: takes up to count bytes (a multiple of unit). Returns the
  // count taken; *emptied when the ring became empty.
  size_t pop(char* dst, size_t count, size_t unit, bool* emptied) {
    while (lock_.test_and_set(std::memory_order_acquire)) sched_yield();
    uint64_t h = head_.load(std::memory_order_relaxed);
    uint64_t t = tail_.load(std::memory_order_acquire);
    size_t n = std::min<uint64_t>(count, t - h);
    n -= n % unit;
    size_t off = h % size_;
    size_t first = std::min(n, size_ - off);
    memcpy(dst, mem_ + off, first);
    if (first < n) memcpy(dst + first, mem_, n - first);
    head_.store(h + n, std::memory_order_release);
    lock_.clear(std::memory_order_release);
    *emptied = n > 0 && h + n == t;
    return n;
  }

  Event data;   // worker -> blocked readers
  Event space;  // readers -> worker

 private:
  char* mem_ = nullptr;
  size_t size_ = 0;
  std::atomic_flag lock_ = ATOMIC_FLAG_INIT;
  alignas(64) std::atomic<uint64_t> tail_{0};
  alignas(64) std::atomic<uint64_t> head_{0};
};

std::mutex g_names_mu;
std::set<std::string>& names() {
  static auto* s = new std::set<std::string>;
  return *s;
}

class Proxy {
 public:
  ~Proxy();
  int create(int targetfd, size_t bufsz, size_t granularity, int flags, const std::string& name, bool is_public);
  int start_workers();
  void stop_workers();

  bool readable() const { return in_ != nullptr; }
  bool writable() const { return out_ != nullptr; }
  unsigned int poll(unsigned int events) const;
  // Input bytes ready for a reader (0 without an input side).
  uint64_t input_waiting() const { return readable() ? in_->avail() : 0; }
  ssize_t write(File* f, const void* buf, size_t count);
  ssize_t read(File* f, void* buf, size_t count);
  int mmap(void* addr, size_t length, int prot, int flags, off_t offset, void** mapped);
  void flush();
  void stats(oskit_evl_proxy_stats* s) const;
  void set_io(const oskit_evl_target_io* io) { io_.store(io ? io : &kDefaultIo, std::memory_order_release); }

  File* file = nullptr;

 private:
  void output_loop();
  bool idle_spin();
  void linger();
  void notify_pollers() { poll_event().wake_all(); }
  void input_loop();
  bool relay(OutRing::Batch* b);
  int write_target(struct iovec* iov, int cnt);
  void report(int e, const char* what);
  void drop_pending();
  int reserve_name();
  void unreserve_name();
  int read_exact_unit(char* dst, size_t unit);

  int target_ = -1;
  int stop_fd_ = -1;
  size_t gran_ = 0;
  std::string name_;
  std::string public_path_;
  std::unique_ptr<OutRing> out_;
  std::unique_ptr<InRing> in_;
  std::unique_ptr<oskit::env::WorkerThread> out_worker_;
  std::unique_ptr<oskit::env::WorkerThread> in_worker_;
  std::atomic<const oskit_evl_target_io*> io_{&kDefaultIo};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> closing_{false};
  std::atomic<int> out_error_{0};    // reported once to a writer
  std::atomic<int> out_failed_{0};   // permanent target failure
  std::atomic<int> in_error_{0};
  std::atomic<bool> in_eof_{false};
  std::atomic<uint64_t> relayed_out_{0};
  std::atomic<uint64_t> relayed_in_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> wakeups_{0};
  std::atomic<int> last_error_{0};
};

Proxy* proxy_of(oskit_evl_file* f) { return static_cast<Proxy*>(f->private_data); }

// ------------------------------------------------------------- creation

int Proxy::create(int targetfd, size_t bufsz, size_t granularity, int flags, const std::string& name,
                  bool is_public) {
  gran_ = granularity;
  name_ = name;
  target_ = fcntl(targetfd, F_DUPFD_CLOEXEC, 0);
  if (target_ < 0) return -errno;
  if (flags & EVL_CLONE_OUTPUT) {
    out_.reset(new (std::nothrow) OutRing);
    if (out_ == nullptr) return -ENOMEM;
    int rc = out_->init(bufsz);
    if (rc < 0) return rc;
  }
  if (flags & EVL_CLONE_INPUT) {
    in_.reset(new (std::nothrow) InRing);
    if (in_ == nullptr) return -ENOMEM;
    int rc = in_->init(bufsz);
    if (rc < 0) return rc;
    stop_fd_ = eventfd(0, EFD_CLOEXEC);
    if (stop_fd_ < 0) return -errno;
  }
  if (!name_.empty()) {
    int rc = reserve_name();
    if (rc < 0) return rc;
  }
  if (is_public) {
    std::string dir = root_dir() + "/proxy";
    public_path_ = dir + "/" + name_;
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

int Proxy::reserve_name() {
  std::lock_guard<std::mutex> lock(g_names_mu);
  if (!names().insert(name_).second) {
    name_.clear();
    return -EEXIST;
  }
  return 0;
}

void Proxy::unreserve_name() {
  if (name_.empty()) return;
  std::lock_guard<std::mutex> lock(g_names_mu);
  names().erase(name_);
}

int Proxy::start_workers() {
  auto& env = oskit::env::current();
  if (out_ != nullptr) {
    auto t = env.start_thread("evl-proxy-out:" + name_, [this] { output_loop(); });
    if (!t.ok()) return -ENOMEM;
    out_worker_ = std::move(t).value();
  }
  if (in_ != nullptr) {
    auto t = env.start_thread("evl-proxy-in:" + name_, [this] { input_loop(); });
    if (!t.ok()) return -ENOMEM;
    in_worker_ = std::move(t).value();
  }
  return 0;
}

void Proxy::stop_workers() {
  stopping_.store(true, std::memory_order_seq_cst);
  if (out_ != nullptr) out_->data.wake_all();
  if (in_ != nullptr) {
    uint64_t one = 1;
    if (stop_fd_ >= 0) real::write(stop_fd_, &one, sizeof one);
    in_->space.wake_all();
  }
  if (out_worker_ != nullptr) out_worker_->join();
  if (in_worker_ != nullptr) in_worker_->join();
}

Proxy::~Proxy() {
  unreserve_name();
  if (!public_path_.empty()) unlink(public_path_.c_str());
  if (target_ >= 0) real::close(target_);
  if (stop_fd_ >= 0) real::close(stop_fd_);
}

// ------------------------------------------------------------- poll

unsigned int Proxy::poll(unsigned int events) const {
  // A mapping-only proxy answers every poller with POLLERR (seed 001); the
  // descriptor refresh (events 0) sees no pending error there.
  if (!readable() && !writable()) return events != 0 ? POLLERR : 0;
  unsigned int m = 0;
  if (writable() && out_->fill() == 0) m |= POLLOUT | POLLWRNORM;
  if (readable() && in_->avail() > 0) m |= POLLIN | POLLRDNORM;
  if ((events & (POLLIN | POLLRDNORM)) && !readable()) m |= POLLERR;
  if ((events & (POLLOUT | POLLWRNORM)) && !writable()) m |= POLLERR;
  if (out_error_.load(std::memory_order_relaxed) || out_failed_.load(std::memory_order_relaxed) ||
      in_error_.load(std::memory_order_relaxed)) {
    m |= POLLERR;
  }
  return m;
}

// ------------------------------------------------------------- output

ssize_t Proxy::write(File* f, const void* buf, size_t count) {
  if (!writable()) return -ENXIO;
  if (count == 0) return 0;
  if (count > out_->bufsz()) return -EFBIG;
  if (gran_ > 1 && count % gran_ != 0) return -EINVAL;
  for (;;) {
    if (int e = out_failed_.load(std::memory_order_relaxed)) return -e;
    if (out_error_.load(std::memory_order_relaxed) != 0) {
      int e = out_error_.exchange(0, std::memory_order_relaxed);
      if (e != 0) return -e;
    }
    uint32_t ticket = out_->space.ticket();
    bool was_empty = false;
    if (out_->put(buf, count, &was_empty) == 0) {
      if (was_empty) {
        wakeups_.fetch_add(1, std::memory_order_relaxed);
        out_->data.wake_all();
      }
      return static_cast<ssize_t>(count);
    }
    if (f->flags.load(std::memory_order_relaxed) & O_NONBLOCK) return -EAGAIN;
    if (closing_.load(std::memory_order_acquire)) return -EBADF;
    out_->space.wait(ticket);
    if (closing_.load(std::memory_order_acquire)) return -EBADF;
  }
}

// Counts a target failure; logs the 1st, 2nd, 4th, 8th... of them.
void Proxy::report(int e, const char* what) {
  uint64_t n = errors_.fetch_add(1, std::memory_order_relaxed) + 1;
  last_error_.store(e, std::memory_order_relaxed);
  if ((n & (n - 1)) != 0) return;
  oskit::env::logf(oskit::env::LogLevel::kWarning, "evl: proxy '%s': %s on target: %s (%llu failures so far)", name_,
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
      struct pollfd p = {target_, POLLOUT, 0};
      ::poll(&p, 1, 100);
      continue;
    }
    report(e, "write failed");
    if (!transient(e)) return -e;
    out_error_.store(e, std::memory_order_relaxed);
    notify(file);
    if (stopping_.load(std::memory_order_acquire) && ++attempts > kCloseRetries) return -e;
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
    out_failed_.store(-rc, std::memory_order_relaxed);
    dropped_.fetch_add(b->bytes, std::memory_order_relaxed);
    oskit::env::logf(oskit::env::LogLevel::kError, "evl: proxy '%s': %llu bytes dropped: %s", name_,
                     static_cast<unsigned long long>(b->bytes), strerror(-rc));
  }
  out_->release(*b);
  return rc == 0;
}

// Spins a little for new output; true if some arrived.
bool Proxy::idle_spin() {
  for (int i = 0; i < kIdleSpins; ++i) {
    if (out_->fill() != 0) return true;
    __builtin_ia32_pause();
  }
  return false;
}

// The descriptor's POLLOUT goes off when a relay starts after the worker
// slept, and on again just before it sleeps: a worker that finds new output
// while it polls keeps the descriptor as it is (no system call).
void Proxy::output_loop() {
  OutRing::Batch* batch = new OutRing::Batch;
  for (;;) {
    uint32_t ticket = out_->data.ticket();
    if (out_->collect(batch)) {
      file->sync_readiness();
      relay(batch);
      continue;
    }
    if (out_->fill() != 0) {  // a producer is between its two reservations
      sched_yield();
      continue;
    }
    notify_pollers();
    if (stopping_.load(std::memory_order_acquire)) break;
    if (idle_spin()) {
      linger();
      continue;
    }
    file->sync_readiness();
    if (out_->fill() != 0) continue;
    out_->data.wait(ticket);
  }
  file->sync_readiness();
  delete batch;
}

// Output arrived while polling: let a little more accumulate so the target
// sees batches rather than single records.
void Proxy::linger() {
  for (int i = 0; i < kIdleSpins / 4 && out_->fill() < kMaxBatch / 4; ++i) __builtin_ia32_pause();
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
  const size_t chunk = gran_ > 1 ? gran_ : std::min<size_t>(in_->size(), 65536);
  std::unique_ptr<char[]> staging(new char[chunk]);
  while (!stopping_.load(std::memory_order_acquire)) {
    uint32_t ticket = in_->space.ticket();
    size_t room = in_->room();
    size_t want = gran_ > 1 ? gran_ : std::min(room, chunk);
    if (room < want || room == 0) {
      in_->space.wait(ticket);
      file->sync_readiness();
      continue;
    }
    int n = read_exact_unit(staging.get(), want);
    if (n == -ECANCELED) break;
    if (n == 0) {
      in_eof_.store(true, std::memory_order_release);
      in_->data.wake_all();
      notify(file);
      struct pollfd p = {stop_fd_, POLLIN, 0};
      ::poll(&p, 1, -1);
      break;
    }
    if (n < 0) {
      report(-n, "read failed");
      in_error_.store(-n, std::memory_order_relaxed);
      in_->data.wake_all();
      notify(file);
      if (!transient(-n)) break;
      sleep_ns(1000000);
      continue;
    }
    relayed_in_.fetch_add(n, std::memory_order_relaxed);
    in_->push(staging.get(), n);
    in_->data.wake_all();
    notify(file);
  }
}

ssize_t Proxy::read(File* f, void* buf, size_t count) {
  if (!readable()) return -ENXIO;
  if (count == 0) return 0;
  size_t unit = gran_ > 1 ? gran_ : 1;
  if (count % unit != 0) return -EINVAL;
  for (;;) {
    uint32_t ticket = in_->data.ticket();
    bool emptied = false;
    size_t n = in_->pop(static_cast<char*>(buf), count, unit, &emptied);
    if (n > 0) {
      in_->space.wake_all();
      if (emptied) notify(f);
      return static_cast<ssize_t>(n);
    }
    if (in_error_.load(std::memory_order_relaxed) != 0) {
      int e = in_error_.exchange(0, std::memory_order_relaxed);
      if (e != 0) return -e;
    }
    if (in_eof_.load(std::memory_order_acquire)) return 0;
    if (f->flags.load(std::memory_order_relaxed) & O_NONBLOCK) return -EAGAIN;
    if (closing_.load(std::memory_order_acquire)) return -EBADF;
    in_->data.wait(ticket);
    if (closing_.load(std::memory_order_acquire)) return -EBADF;
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
  closing_.store(true, std::memory_order_seq_cst);
  if (out_ != nullptr) out_->space.wake_all();
  if (in_ != nullptr) in_->data.wake_all();
}

void Proxy::stats(oskit_evl_proxy_stats* s) const {
  s->bytes_relayed_out = relayed_out_.load(std::memory_order_relaxed);
  s->bytes_relayed_in = relayed_in_.load(std::memory_order_relaxed);
  s->target_errors = errors_.load(std::memory_order_relaxed);
  s->bytes_dropped = dropped_.load(std::memory_order_relaxed);
  s->worker_wakeups = wakeups_.load(std::memory_order_relaxed);
  s->last_error = last_error_.load(std::memory_order_relaxed);
}

// ------------------------------------------------------------- fops

ssize_t op_oob_write(oskit_evl_file* f, const void* buf, size_t n) { return proxy_of(f)->write(File::from(f), buf, n); }
ssize_t op_oob_read(oskit_evl_file* f, void* buf, size_t n) { return proxy_of(f)->read(File::from(f), buf, n); }

ssize_t op_write(oskit_evl_file* f, const void* buf, size_t n) {
  ssize_t rc = proxy_of(f)->write(File::from(f), buf, n);
  if (rc > 0) File::from(f)->sync_readiness();
  return rc;
}

ssize_t op_read(oskit_evl_file* f, void* buf, size_t n) { return proxy_of(f)->read(File::from(f), buf, n); }
unsigned int op_poll(oskit_evl_file* f, unsigned int events) { return proxy_of(f)->poll(events); }

// FIONREAD: the input bytes waiting (0 without an input side). Nothing else.
long op_ioctl(oskit_evl_file* f, unsigned int cmd, unsigned long arg) {
  if (cmd != FIONREAD) return -ENOTTY;
  return oskit_evl_reply_fionread(arg, proxy_of(f)->input_waiting());
}
void op_flush(oskit_evl_file* f) { proxy_of(f)->flush(); }

void op_release(oskit_evl_file* f) {
  Proxy* p = proxy_of(f);
  p->stop_workers();
  delete p;
}

int op_mmap(oskit_evl_file* f, void* addr, size_t len, int prot, int flags, off_t off, void** mapped) {
  return proxy_of(f)->mmap(addr, len, prot, flags, off, mapped);
}

const oskit_evl_file_operations kProxyOps = {
    nullptr,      // open
    op_flush,     // flush
    op_release,   // release
    op_oob_read,  // oob_read
    op_oob_write, // oob_write
    op_ioctl,     // oob_ioctl
    op_read,      // read
    op_write,     // write
    op_ioctl,     // ioctl
    op_poll,      // poll
    op_mmap,      // mmap
};

int check_args(size_t bufsz, size_t granularity, int* flags) {
  const int known = EVL_CLONE_PUBLIC | EVL_CLONE_NONBLOCK | EVL_CLONE_INPUT | EVL_CLONE_OUTPUT;
  if (*flags & ~known) return -EINVAL;
  if (bufsz > kMaxBufsz) return -EINVAL;
  if (granularity > 1 && bufsz % granularity != 0) return -EINVAL;
  bool dirs = (*flags & (EVL_CLONE_INPUT | EVL_CLONE_OUTPUT)) != 0;
  if (bufsz == 0 && dirs) return -EINVAL;
  if (bufsz != 0 && !dirs) *flags |= EVL_CLONE_OUTPUT;
  return 0;
}

int name_of(const char* fmt, va_list ap, int* flags, std::string* name) {
  if (fmt == nullptr) return (*flags & EVL_CLONE_PUBLIC) ? -EINVAL : 0;
  if (!vformat(name, fmt, ap)) return -EINVAL;
  if (!name->empty() && (*name)[0] == '/') {
    *flags |= EVL_CLONE_PUBLIC;
    name->erase(0, 1);
  }
  if (check_name(*name) != 0) return -EINVAL;
  if (root_dir().size() + strlen("/proxy/") + name->size() >= PATH_MAX) return -ENAMETOOLONG;
  return 0;
}

}  // namespace

int create_proxy(int targetfd, size_t bufsz, size_t granularity, int flags, const char* fmt, va_list ap) {
  if (!initialised()) return -ENXIO;
  inband_syscall("evl_create_proxy");
  int rc = check_args(bufsz, granularity, &flags);
  if (rc < 0) return rc;
  std::string name;
  rc = name_of(fmt, ap, &flags, &name);
  if (rc < 0) return rc;
  if (fcntl(targetfd, F_GETFD) < 0) return -EBADF;
  Proxy* p = new (std::nothrow) Proxy;
  if (p == nullptr) return -ENOMEM;
  rc = p->create(targetfd, bufsz, granularity, flags, name, (flags & EVL_CLONE_PUBLIC) != 0);
  if (rc < 0) {
    delete p;
    return rc;
  }
  int open_flags = O_RDWR | ((flags & EVL_CLONE_NONBLOCK) ? O_NONBLOCK : 0);
  int fd = open_file(nullptr, &kProxyOps, p, open_flags);
  if (fd < 0) {
    delete p;
    return fd;
  }
  FileRef f = lookup(fd);
  p->file = f.get();
  rc = p->start_workers();
  if (rc < 0) {
    close_file(fd);
    return rc;
  }
  return fd;
}

namespace {

Proxy* proxy_at(int fd, FileRef* ref) {
  *ref = lookup(fd);
  if (!*ref || (*ref)->fops != &kProxyOps) return nullptr;
  return proxy_of(&(*ref)->cfile);
}

}  // namespace

int proxy_set_io(int fd, const oskit_evl_target_io* io) {
  FileRef ref;
  Proxy* p = proxy_at(fd, &ref);
  if (p == nullptr) return -EBADF;
  p->set_io(io);
  return 0;
}

int proxy_stats(int fd, oskit_evl_proxy_stats* s) {
  FileRef ref;
  Proxy* p = proxy_at(fd, &ref);
  if (p == nullptr || s == nullptr) return -EBADF;
  p->stats(s);
  return 0;
}

}  // namespace oskit::evl::emul
