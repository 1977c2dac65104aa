#include "glue/env/counting_env.h"

namespace oskit::env {

void* CountingEnvironment::counted(void* p) noexcept {
  if (p) allocations_.fetch_add(1, std::memory_order_relaxed);
  return p;
}

void* CountingEnvironment::allocate(std::size_t size, std::size_t align) noexcept {
  return counted(inner_.allocate(size, align));
}

void* CountingEnvironment::allocate_tagged(std::size_t size, std::size_t align, std::uint32_t flags,
                                           const char* tag) noexcept {
  return counted(inner_.allocate_tagged(size, align, flags, tag));
}

void CountingEnvironment::deallocate(void* ptr, std::size_t size, std::size_t align) noexcept {
  if (ptr) frees_.fetch_add(1, std::memory_order_relaxed);
  inner_.deallocate(ptr, size, align);
}

void CountingEnvironment::log(LogLevel level, absl::string_view message) noexcept {
  {
    MutexLock lock(&log_mu_);
    log_.emplace_back(message);
  }
  if (level >= LogLevel::kWarning) inner_.log(level, message);
}

absl::StatusOr<std::unique_ptr<WorkerThread>> CountingEnvironment::start_thread(std::string name,
                                                                                std::function<void()> body) {
  threads_.fetch_add(1, std::memory_order_relaxed);
  return inner_.start_thread(std::move(name), std::move(body));
}

std::vector<std::string> CountingEnvironment::log_lines() const {
  MutexLock lock(&log_mu_);
  return log_;
}

}  // namespace oskit::env
