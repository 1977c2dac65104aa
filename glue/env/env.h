// The C++ convenience over the embedding environment (docs/design.md,
// section 8, "Embedding", after OSKit's osenv). The environment itself is the
// oskit_osenv_* interfaces of oskit/osenv.h, installed through
// glue/env/osenv.h; current() is a view of whatever is installed, and a C++
// Environment subclass can be installed too (it is adapted to the
// interfaces). Components and glue take memory, log, time, sleep, threads and
// interrupt lines from current(), never from the host behind its back.
#ifndef GLUE_ENV_ENV_H
#define GLUE_ENV_ENV_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "glue/env/osenv.h"
#include "oskit/com/implements.h"

namespace oskit::env {

// The OSKIT_OSENV_LOG_* levels.
enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Gives Derived class-specific new and delete drawing on the installed
// environment's memory, tagged with Derived's name.
template <class Derived>
class EnvAllocated {
 public:
  static void* operator new(std::size_t size) {
    void* p = operator new(size, std::nothrow);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  static void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return oskit_env_alloc(size, OSKIT_OSENV_MEM_MAYBLOCK, alignof(std::max_align_t), detail::class_name<Derived>());
  }
  static void operator delete(void* p, std::size_t size) noexcept {
    oskit_env_free(p, size, alignof(std::max_align_t));
  }
  // Over-aligned classes get their alignment.
  static void* operator new(std::size_t size, std::align_val_t align) {
    void* p = operator new(size, align, std::nothrow);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  static void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
    return oskit_env_alloc(size, OSKIT_OSENV_MEM_MAYBLOCK, static_cast<std::size_t>(align),
                           detail::class_name<Derived>());
  }
  static void operator delete(void* p, std::size_t size, std::align_val_t align) noexcept {
    oskit_env_free(p, size, static_cast<std::size_t>(align));
  }

 protected:
  ~EnvAllocated() = default;
};

// A worker thread started by an environment. The destructor joins it. Its
// memory comes from the installed environment.
class WorkerThread : public EnvAllocated<WorkerThread> {
 public:
  virtual ~WorkerThread() = default;
  // Waits for the thread's body to return. Idempotent.
  virtual void join() noexcept = 0;
};

class Environment {
 public:
  virtual ~Environment() = default;

  // Memory for objects and buffers; nullptr when exhausted.
  virtual void* allocate(std::size_t size, std::size_t align) noexcept = 0;
  virtual void deallocate(void* ptr, std::size_t size, std::size_t align) noexcept = 0;
  // As allocate, with OSKIT_OSENV_MEM_* flags and a tag naming what the
  // memory is for (oskit_osenv_mem's alloc). The default drops both.
  virtual void* allocate_tagged(std::size_t size, std::size_t align, std::uint32_t flags, const char* tag) noexcept;

  // The log sink.
  virtual void log(LogLevel level, absl::string_view message) noexcept = 0;

  // A monotonic clock, in nanoseconds.
  virtual std::int64_t monotonic_ns() noexcept = 0;
  // Sleeping and waking on that clock, as oskit_osenv_clock's wait, wake and
  // sleep_until (deadlines are absolute monotonic_ns() times). The defaults
  // are the host's, on CLOCK_MONOTONIC: an environment whose monotonic_ns()
  // follows another clock overrides them as well.
  virtual oskit_error_t wait(const std::uint32_t* word, std::uint32_t expected, std::int64_t deadline_ns) noexcept;
  virtual std::uint32_t wake(const std::uint32_t* word, std::uint32_t count) noexcept;
  virtual oskit_error_t sleep_until(std::int64_t deadline_ns) noexcept;

  // Starts a worker running body. The name is for diagnostics. Failures
  // carry a status code and no message (making one would allocate); the
  // reason goes to the log. thread_start_error() gives the OSKit error.
  virtual absl::StatusOr<std::unique_ptr<WorkerThread>> start_thread(std::string name, std::function<void()> body) = 0;

  // Interrupt lines, as oskit_osenv_irq's request, free and raise. The
  // defaults are the host's.
  virtual oskit_error_t request_irq(std::uint32_t line, oskit_osenv_irq_handler_t handler, void* arg) noexcept;
  virtual oskit_error_t free_irq(std::uint32_t line) noexcept;
  virtual oskit_error_t raise_irq(std::uint32_t line) noexcept;

  // monotonic_ns() + delay_ns, saturating at OSKIT_OSENV_FOREVER.
  std::int64_t deadline_after(std::int64_t delay_ns) noexcept;
  // sleep_until(deadline_after(delay_ns)).
  oskit_error_t sleep_for(std::int64_t delay_ns) noexcept { return sleep_until(deadline_after(delay_ns)); }
};

// The error of a failed start_thread: OSKIT_EPERM (PermissionDenied),
// OSKIT_EAGAIN (Unavailable: the environment refused a thread) or
// OSKIT_ENOMEM (anything else: no memory for it).
oskit_error_t thread_start_error(const absl::Status& status) noexcept;

// The host's environment: the C heap, stderr, CLOCK_MONOTONIC, POSIX threads.
Environment& host();

// The installed environment, whichever it is (a C++ Environment, the host's
// or one of C interfaces): every call goes to the environment installed at
// the time of the call.
Environment& current();

// The C++ environment given to install(): &host() when the host's is
// installed, nullptr when a C environment was installed with
// oskit_env_install().
Environment* installed();

// Installs env (nullptr restores the host's), adapting it to the
// oskit_osenv_* interfaces. Fails with FailedPrecondition, changing nothing,
// while the current environment has anything outstanding (objects alive,
// memory not freed, threads not joined, interrupt lines requested).
absl::Status install(Environment* env);

// Installs an environment for the lifetime of this object (a test harness),
// then restores the one it replaced, C or C++.
class ScopedEnvironment {
 public:
  explicit ScopedEnvironment(Environment* env);
  ~ScopedEnvironment();
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
  // Whether the install succeeded.
  const absl::Status& status() const { return status_; }

 private:
  Environment* previous_;   // a C++ environment, or nullptr for previous_c_
  oskit_osenv previous_c_;  // referenced while this scope lasts
  absl::Status status_;
};

// COM objects alive now, over every component.
long live_objects();

// Formats a message (truncated to OSKIT_ENV_LOG_MAX - 1 bytes, on the stack)
// and sends it to the current environment's log sink.
template <typename... Args>
void logf(LogLevel level, const absl::FormatSpec<Args...>& format, const Args&... args) {
  char message[OSKIT_ENV_LOG_MAX];
  const int n = absl::SNPrintF(message, sizeof message, format, args...);
  if (n < 0) return;
  const std::size_t length =
      static_cast<std::size_t>(n) < sizeof message ? static_cast<std::size_t>(n) : sizeof message - 1;
  current().log(level, absl::string_view(message, length));
}

// A standard-library allocator over the installed environment's memory, for
// the containers of cold paths. Throws std::bad_alloc on exhaustion, as
// containers expect: code that must report OSKIT_ENOMEM catches it.
template <class T>
struct Allocator {
  using value_type = T;

  Allocator() noexcept = default;
  template <class U>
  Allocator(const Allocator<U>&) noexcept {}  // NOLINT: rebinding

  T* allocate(std::size_t n) {
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) throw std::bad_alloc();
    void* p = oskit_env_alloc(n * sizeof(T), OSKIT_OSENV_MEM_MAYBLOCK, alignof(T), "oskit::env::Allocator");
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept { oskit_env_free(p, n * sizeof(T), alignof(T)); }

  friend bool operator==(const Allocator&, const Allocator&) noexcept { return true; }
  friend bool operator!=(const Allocator&, const Allocator&) noexcept { return false; }
};

}  // namespace oskit::env

#endif  // GLUE_ENV_ENV_H
