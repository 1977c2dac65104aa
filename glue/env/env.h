// The embedding environment components draw on (docs/design.md, section 8, after
// OSKit's osenv): memory, a log sink, a clock and worker threads. The host's is
// the default; a harness installs its own and then sees every allocation and
// thread the toolkit makes.
#ifndef GLUE_ENV_ENV_H
#define GLUE_ENV_ENV_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace oskit::env {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// A worker thread started by an environment. The destructor joins it.
class WorkerThread {
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

  // The log sink.
  virtual void log(LogLevel level, absl::string_view message) noexcept = 0;

  // A monotonic clock, in nanoseconds.
  virtual std::int64_t monotonic_ns() noexcept = 0;

  // Starts a worker running body. The name is for diagnostics.
  virtual absl::StatusOr<std::unique_ptr<WorkerThread>> start_thread(std::string name,
                                                                     std::function<void()> body) = 0;
};

// The host's environment: the C heap, stderr, CLOCK_MONOTONIC, std::thread.
Environment& host();

// The installed environment (the host's unless a harness installed one).
Environment& current();

// Installs env (nullptr restores the host's). Fails with FailedPrecondition,
// changing nothing, while objects made in the current environment are alive.
absl::Status install(Environment* env);

// Installs an environment for the lifetime of this object (a test harness).
class ScopedEnvironment {
 public:
  explicit ScopedEnvironment(Environment* env);
  ~ScopedEnvironment();
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
  // Whether the install succeeded.
  const absl::Status& status() const { return status_; }

 private:
  Environment* previous_;
  absl::Status status_;
};

// COM objects alive now, over every component.
long live_objects();

// Formats and sends a message to the current environment's log sink.
template <typename... Args>
void logf(LogLevel level, const absl::FormatSpec<Args...>& format, const Args&... args) {
  current().log(level, absl::StrFormat(format, args...));
}

}  // namespace oskit::env

#endif  // GLUE_ENV_ENV_H
