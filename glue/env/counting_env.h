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
  void* allocate_tagged(std::size_t size, std::size_t align, std::uint32_t flags, const char* tag) noexcept override;
  void deallocate(void* ptr, std::size_t size, std::size_t align) noexcept override;
  void log(LogLevel level, absl::string_view message) noexcept override;
  std::int64_t monotonic_ns() noexcept override { return inner_.monotonic_ns(); }
  oskit_error_t wait(const std::uint32_t* word, std::uint32_t expected, std::int64_t deadline_ns) noexcept override {
    return inner_.wait(word, expected, deadline_ns);
  }
  std::uint32_t wake(const std::uint32_t* word, std::uint32_t count) noexcept override {
    return inner_.wake(word, count);
  }
  oskit_error_t sleep_until(std::int64_t deadline_ns) noexcept override { return inner_.sleep_until(deadline_ns); }
  absl::StatusOr<std::unique_ptr<WorkerThread>> start_thread(std::string name, std::function<void()> body) override;
  oskit_error_t request_irq(std::uint32_t line, oskit_osenv_irq_handler_t handler, void* arg) noexcept override {
    return inner_.request_irq(line, handler, arg);
  }
  oskit_error_t free_irq(std::uint32_t line) noexcept override { return inner_.free_irq(line); }
  oskit_error_t raise_irq(std::uint32_t line) noexcept override { return inner_.raise_irq(line); }

  long allocations() const { return allocations_.load(); }
  long live_allocations() const { return allocations_.load() - frees_.load(); }
  long threads_started() const { return threads_.load(); }
  // A copy of every message logged so far.
  std::vector<std::string> log_lines() const;

 private:
  void* counted(void* p) noexcept;

  Environment& inner_;
  std::atomic<long> allocations_{0};
  std::atomic<long> frees_{0};
  std::atomic<long> threads_{0};
  mutable Mutex log_mu_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(log_mu_);
};

}  // namespace oskit::env

#endif  // GLUE_ENV_COUNTING_ENV_H
