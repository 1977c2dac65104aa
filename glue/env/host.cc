// The host's environment as oskit_osenv_* objects: the C heap, stderr,
// CLOCK_MONOTONIC with futexes, POSIX threads, and interrupt lines delivered
// by a thread of the host's own. Two sets share the implementation: the
// guarded one (what the toolkit reaches through oskit_env_host()) refuses,
// and counts, every use while a strict environment is installed; the other
// serves an embedder who installs the host's objects explicitly.
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "glue/env/internal.h"
#include "glue/env/static_object.h"
#include "oskit/sync/mutex.h"

namespace oskit::env::internal {
namespace {

constexpr std::int64_t kNsPerSec = 1000000000;

struct timespec to_timespec(std::int64_t ns) noexcept {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / kNsPerSec);
  ts.tv_nsec = static_cast<long>(ns % kNsPerSec);
  return ts;
}

std::int64_t monotonic_now() noexcept {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

long futex(const oskit_u32_t* word, int op, oskit_u32_t val, const struct timespec* ts) noexcept {
  return syscall(SYS_futex, const_cast<oskit_u32_t*>(word), op | FUTEX_PRIVATE_FLAG, val, ts, nullptr,
                 FUTEX_BITSET_MATCH_ANY);
}

// Sleeps while *word == expected, until an absolute CLOCK_MONOTONIC deadline.
oskit_error_t futex_wait(const oskit_u32_t* word, oskit_u32_t expected, std::int64_t deadline) noexcept {
  if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != expected) return OSKIT_EAGAIN;
  struct timespec ts;
  const struct timespec* limit = nullptr;
  if (deadline != OSKIT_OSENV_FOREVER) {
    if (deadline <= monotonic_now()) return OSKIT_ETIMEDOUT;
    ts = to_timespec(deadline);
    limit = &ts;
  }
  if (futex(word, FUTEX_WAIT_BITSET, expected, limit) == 0) return 0;
  switch (errno) {
    case EAGAIN:
      return OSKIT_EAGAIN;
    case ETIMEDOUT:
      return OSKIT_ETIMEDOUT;
    default:
      return 0;  // EINTR: a spurious wakeup
  }
}

oskit_u32_t futex_wake(const oskit_u32_t* word, oskit_u32_t count) noexcept {
  const oskit_u32_t n = count > INT_MAX ? INT_MAX : count;
  long woken = futex(word, FUTEX_WAKE, n, nullptr);
  return woken > 0 ? static_cast<oskit_u32_t>(woken) : 0;
}

// Whether a guarded object must refuse (counting the use).
template <bool Guarded>
bool refuses(const char* service) noexcept {
  return Guarded && host_refuses(service);
}

template <bool Guarded>
class HostMem final : public StaticObject<oskit_osenv_mem> {
 public:
  void* OSKIT_COMCALL alloc(oskit_size_t size, oskit_u32_t, oskit_size_t align, const char*) noexcept override {
    if (refuses<Guarded>("host memory")) return nullptr;
    if (align == 0 || (align & (align - 1)) != 0) return nullptr;
    if (align < sizeof(void*)) align = sizeof(void*);
    if (size == 0) size = 1;
    if (size > PTRDIFF_MAX - (align - 1)) return nullptr;  // no object is larger (as malloc says)
    return std::aligned_alloc(align, (size + align - 1) & ~(align - 1));
  }
  OSKIT_COMDECL_V free(void* block, oskit_size_t, oskit_size_t) noexcept override {
    if (block != nullptr && refuses<Guarded>("host memory")) return;
    std::free(block);
  }
};

template <bool Guarded>
class HostLog final : public StaticObject<oskit_osenv_log> {
 public:
  OSKIT_COMDECL log(oskit_u32_t level, const char* message, oskit_size_t length) noexcept override {
    static constexpr const char* kNames[] = {"debug", "info", "warning", "error"};
    if (refuses<Guarded>("host log")) return OSKIT_EPERM;
    if (level > OSKIT_OSENV_LOG_ERROR) return OSKIT_EINVAL;
    if (message == nullptr && length > 0) return OSKIT_E_POINTER;
    const int n = length > INT_MAX ? INT_MAX : static_cast<int>(length);
    std::fprintf(stderr, "oskit %s: %.*s\n", kNames[level], n, message != nullptr ? message : "");
    return 0;
  }
};

template <bool Guarded>
class HostClock final : public StaticObject<oskit_osenv_clock> {
 public:
  oskit_s64_t OSKIT_COMCALL now() noexcept override {
    if (refuses<Guarded>("host clock")) return 0;
    return monotonic_now();
  }
  OSKIT_COMDECL wait(const oskit_u32_t* word, oskit_u32_t expected, oskit_s64_t deadline) noexcept override {
    if (refuses<Guarded>("host clock")) return OSKIT_EPERM;
    if (word == nullptr) return OSKIT_E_POINTER;
    return futex_wait(word, expected, deadline);
  }
  oskit_u32_t OSKIT_COMCALL wake(const oskit_u32_t* word, oskit_u32_t count) noexcept override {
    if (refuses<Guarded>("host clock") || word == nullptr) return 0;
    return futex_wake(word, count);
  }
  OSKIT_COMDECL sleep_until(oskit_s64_t deadline) noexcept override {
    if (refuses<Guarded>("host clock")) return OSKIT_EPERM;
    if (deadline == OSKIT_OSENV_FOREVER) return OSKIT_EINVAL;
    const struct timespec ts = to_timespec(deadline < 0 ? 0 : deadline);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
    return 0;
  }
};

// A POSIX thread; the record is the handle.
struct HostThread {
  pthread_t thread;
  oskit_osenv_thread_body_t body;
  void* arg;
  char name[16];  // what pthread_setname_np takes
  pthread_t self;
  std::atomic<bool> started{false};
};

void* run_host_thread(void* raw) {
  auto* t = static_cast<HostThread*>(raw);
  t->self = pthread_self();
  t->started.store(true, std::memory_order_release);
  if (t->name[0] != '\0') pthread_setname_np(pthread_self(), t->name);
  t->body(t->arg);
  return nullptr;
}

template <bool Guarded>
class HostThreads final : public StaticObject<oskit_osenv_threads> {
 public:
  OSKIT_COMDECL start(const char* name, oskit_osenv_thread_body_t body, void* arg,
                      oskit_osenv_thread_handle_t** out_thread) noexcept override {
    if (out_thread != nullptr) *out_thread = nullptr;
    if (refuses<Guarded>("host threads")) return OSKIT_EPERM;
    if (body == nullptr || out_thread == nullptr) return OSKIT_E_POINTER;
    void* mem = std::malloc(sizeof(HostThread));
    if (mem == nullptr) return OSKIT_ENOMEM;
    auto* t = new (mem) HostThread;
    t->body = body;
    t->arg = arg;
    std::snprintf(t->name, sizeof t->name, "%s", name != nullptr ? name : "");
    int rc = pthread_create(&t->thread, nullptr, run_host_thread, t);
    if (rc != 0) {
      t->~HostThread();
      std::free(mem);
      return rc == EAGAIN ? OSKIT_EAGAIN : OSKIT_ENOMEM;
    }
    *out_thread = reinterpret_cast<oskit_osenv_thread_handle_t*>(t);
    return 0;
  }
  OSKIT_COMDECL join(oskit_osenv_thread_handle_t* thread) noexcept override {
    if (refuses<Guarded>("host threads")) return OSKIT_EPERM;
    if (thread == nullptr) return OSKIT_EINVAL;
    auto* t = reinterpret_cast<HostThread*>(thread);
    if (t->started.load(std::memory_order_acquire) && pthread_equal(t->self, pthread_self())) return OSKIT_EDEADLK;
    pthread_join(t->thread, nullptr);
    t->~HostThread();
    std::free(t);
    return 0;
  }
};

// Interrupt lines delivered by one thread of the host's, which runs while
// some line has a handler. raise() is a flag and a futex wake: no lock, no
// allocation.
class HostIrq final : public StaticObject<oskit_osenv_irq> {
 public:
  OSKIT_COMDECL request(oskit_u32_t line, oskit_osenv_irq_handler_t handler, void* arg) noexcept override {
    if (line >= OSKIT_OSENV_IRQ_LINES || handler == nullptr) return OSKIT_EINVAL;
    for (;;) {
      pthread_t stopped;
      {
        MutexLock lock(&mu_);
        if (lines_[line].handler.load(std::memory_order_relaxed) != nullptr) return OSKIT_EBUSY;
        if (requested_ == 0 && has_thread_) {
          // The thread of the last lines is ending (it was freed from a
          // handler): join it, without the lock it needs to end, then retry.
          stopped = thread_;
          has_thread_ = false;
        } else {
          if (requested_ == 0) {
            stopping_ = false;
            if (pthread_create(&thread_, nullptr, &HostIrq::deliver, this) != 0) return OSKIT_ENOMEM;
            has_thread_ = true;
          }
          lines_[line].arg = arg;
          lines_[line].pending.store(false, std::memory_order_relaxed);
          lines_[line].handler.store(handler, std::memory_order_release);
          ++requested_;
          return 0;
        }
      }
      pthread_join(stopped, nullptr);
    }
  }

  OSKIT_COMDECL free(oskit_u32_t line) noexcept override {
    if (line >= OSKIT_OSENV_IRQ_LINES) return OSKIT_EINVAL;
    bool join = false;
    {
      MutexLock lock(&mu_);
      if (lines_[line].handler.load(std::memory_order_relaxed) == nullptr) return OSKIT_EINVAL;
      lines_[line].handler.store(nullptr, std::memory_order_release);
      lines_[line].pending.store(false, std::memory_order_relaxed);
      const bool on_delivery_thread = delivering_ && pthread_equal(delivery_self_, pthread_self());
      while (!on_delivery_thread && running_line_ == static_cast<int>(line)) idle_.wait(&mu_);
      if (--requested_ == 0) {
        stopping_ = true;
        kick();
        join = !on_delivery_thread;
      }
    }
    if (join) join_delivery();
    return 0;
  }

  OSKIT_COMDECL raise(oskit_u32_t line) noexcept override {
    if (line >= OSKIT_OSENV_IRQ_LINES) return OSKIT_EINVAL;
    if (lines_[line].handler.load(std::memory_order_acquire) == nullptr) return OSKIT_EINVAL;
    lines_[line].pending.store(true, std::memory_order_seq_cst);
    kick();
    return 0;
  }

 private:
  struct Line {
    std::atomic<oskit_osenv_irq_handler_t> handler{nullptr};
    void* arg = nullptr;
    std::atomic<bool> pending{false};
  };

  void kick() noexcept {
    __atomic_fetch_add(&raised_, 1, __ATOMIC_SEQ_CST);
    futex_wake(&raised_, 1);
  }

  void join_delivery() noexcept {
    pthread_t thread;
    {
      MutexLock lock(&mu_);
      // A request() after the free() that stopped the thread has joined it.
      if (!has_thread_ || !stopping_) return;
      thread = thread_;
      has_thread_ = false;
    }
    pthread_join(thread, nullptr);
  }

  static void* deliver(void* self) {
    static_cast<HostIrq*>(self)->deliver_loop();
    return nullptr;
  }

  void deliver_loop() noexcept {
    {
      MutexLock lock(&mu_);
      delivering_ = true;
      delivery_self_ = pthread_self();
    }
    pthread_setname_np(pthread_self(), "oskit-irq");
    for (;;) {
      const oskit_u32_t seen = __atomic_load_n(&raised_, __ATOMIC_SEQ_CST);
      for (oskit_u32_t line = 0; line < OSKIT_OSENV_IRQ_LINES; ++line) {
        if (lines_[line].pending.exchange(false, std::memory_order_seq_cst)) run(line);
      }
      {
        MutexLock lock(&mu_);
        if (stopping_) {
          delivering_ = false;
          return;
        }
      }
      futex_wait(&raised_, seen, OSKIT_OSENV_FOREVER);
    }
  }

  void run(oskit_u32_t line) noexcept {
    oskit_osenv_irq_handler_t handler;
    void* arg;
    {
      MutexLock lock(&mu_);
      handler = lines_[line].handler.load(std::memory_order_relaxed);
      if (handler == nullptr) return;
      arg = lines_[line].arg;
      running_line_ = static_cast<int>(line);
    }
    handler(arg);
    {
      MutexLock lock(&mu_);
      running_line_ = -1;
    }
    idle_.notify_all();
  }

  Line lines_[OSKIT_OSENV_IRQ_LINES];
  oskit_u32_t raised_ = 0;  // futex word, bumped by every raise
  Mutex mu_;
  CondVar idle_;
  unsigned requested_ ABSL_GUARDED_BY(mu_) = 0;
  int running_line_ ABSL_GUARDED_BY(mu_) = -1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool has_thread_ ABSL_GUARDED_BY(mu_) = false;
  bool delivering_ ABSL_GUARDED_BY(mu_) = false;
  pthread_t thread_ ABSL_GUARDED_BY(mu_);
  pthread_t delivery_self_ ABSL_GUARDED_BY(mu_);
};

// The one interrupt controller of the host, refusing while strict.
class GuardedIrq final : public StaticObject<oskit_osenv_irq> {
 public:
  explicit GuardedIrq(oskit_osenv_irq* irq) noexcept : irq_(irq) {}
  OSKIT_COMDECL request(oskit_u32_t line, oskit_osenv_irq_handler_t handler, void* arg) noexcept override {
    return host_refuses("host interrupts") ? OSKIT_EPERM : irq_->request(line, handler, arg);
  }
  OSKIT_COMDECL free(oskit_u32_t line) noexcept override {
    return host_refuses("host interrupts") ? OSKIT_EPERM : irq_->free(line);
  }
  OSKIT_COMDECL raise(oskit_u32_t line) noexcept override {
    return host_refuses("host interrupts") ? OSKIT_EPERM : irq_->raise(line);
  }

 private:
  oskit_osenv_irq* const irq_;
};

// Never destroyed: the host outlives every user, static destructors included.
template <class T, class... A>
T& forever(A... args) noexcept {
  alignas(T) static unsigned char storage[sizeof(T)];
  static T* object = new (storage) T(args...);
  return *object;
}

template <bool Guarded>
void services(oskit_osenv* out) noexcept {
  out->mem = &forever<HostMem<Guarded>>();
  out->log = &forever<HostLog<Guarded>>();
  out->clock = &forever<HostClock<Guarded>>();
  out->threads = &forever<HostThreads<Guarded>>();
  out->irq = &forever<HostIrq>();
  if (Guarded) out->irq = &forever<GuardedIrq>(out->irq);
  out->flags = 0;
}

}  // namespace

void host_services(oskit_osenv* out) noexcept { services<true>(out); }

void unguarded_host_services(oskit_osenv* out) noexcept { services<false>(out); }

}  // namespace oskit::env::internal
