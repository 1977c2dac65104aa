// An environment for test harnesses: it forwards to another environment and
// counts what the toolkit asked of it, and keeps the log.
#ifndef GLUE_ENV_COUNTING_ENV_H
#define GLUE_ENV_COUNTING_ENV_H

#include <atomic>
#include <string>
#include <vector>

#include "glue/env/env.h"
#include "oskit/sync/mutex.h"

namespace oskit::env {

class CountingEnvironment : public Environment {
 public:
  explicit CountingEnvironment(Environment& inner = host()) : inner_(inner) {}

  void* allocate(std::size_t size, std::size_t align) noexcept override;
  void deallocate(void* ptr, std::size_t size, std::size_t align) noexcept override;
  void log(LogLevel level, absl::string_view message) noexcept override;
  std::int64_t monotonic_ns() noexcept override { return inner_.monotonic_ns(); }
  absl::StatusOr<std::unique_ptr<WorkerThread>> start_thread(std::string name,
                                                             std::function<void()> body) override;

  long allocations() const { return allocations_.load(); }
  long live_allocations() const { return allocations_.load() - frees_.load(); }
  long threads_started() const { return threads_.load(); }
  // A copy of every message logged so far.
  std::vector<std::string> log_lines() const;

 private:
  Environment& inner_;
  std::atomic<long> allocations_{0};
  std::atomic<long> frees_{0};
  std::atomic<long> threads_{0};
  mutable Mutex log_mu_;
  std::vector<std::string> log_;
};

}  // namespace oskit::env

#endif  // GLUE_ENV_COUNTING_ENV_H
