#include "glue/env/env.h"

#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "oskit/com/heap.h"

namespace oskit::env {
namespace {

class HostThread final : public WorkerThread {
 public:
  explicit HostThread(std::function<void()> body) : thread_(std::move(body)) {}
  ~HostThread() override { join(); }
  void join() noexcept override {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::thread thread_;
};

class HostEnvironment final : public Environment {
 public:
  void* allocate(std::size_t size, std::size_t align) noexcept override {
    if (align < sizeof(void*)) align = sizeof(void*);
    return std::aligned_alloc(align, (size + align - 1) / align * align);
  }
  void deallocate(void* ptr, std::size_t, std::size_t) noexcept override { std::free(ptr); }
  void log(LogLevel level, absl::string_view message) noexcept override {
    static constexpr const char* kNames[] = {"debug", "info", "warning", "error"};
    std::fprintf(stderr, "oskit %s: %.*s\n", kNames[static_cast<int>(level)], static_cast<int>(message.size()),
                 message.data());
  }
  std::int64_t monotonic_ns() noexcept override {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  }
  absl::StatusOr<std::unique_ptr<WorkerThread>> start_thread(std::string,
                                                             std::function<void()> body) override {
    try {
      return std::unique_ptr<WorkerThread>(new HostThread(std::move(body)));
    } catch (const std::exception& e) {
      return absl::ResourceExhaustedError(absl::StrFormat("cannot start a thread: %s", e.what()));
    }
  }
};

std::atomic<Environment*> installed{nullptr};

void* heap_alloc(void* ctx, oskit_size_t size, oskit_size_t align) {
  return static_cast<Environment*>(ctx)->allocate(size, align);
}
void heap_free(void* ctx, void* ptr, oskit_size_t size, oskit_size_t align) {
  static_cast<Environment*>(ctx)->deallocate(ptr, size, align);
}

}  // namespace

Environment& host() {
  static HostEnvironment* env = new HostEnvironment;
  return *env;
}

Environment& current() {
  Environment* env = installed.load(std::memory_order_acquire);
  return env ? *env : host();
}

absl::Status install(Environment* env) {
  static oskit_heap_hooks hooks;
  oskit_error_t rc;
  if (env == nullptr || env == &host()) {
    rc = oskit_heap_set_hooks(nullptr);
  } else {
    oskit_heap_hooks next{heap_alloc, heap_free, env};
    // The hooks must outlive the call: keep them in static storage.
    oskit_heap_hooks saved = hooks;
    hooks = next;
    rc = oskit_heap_set_hooks(&hooks);
    if (rc != 0) hooks = saved;
  }
  if (rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("cannot change the environment: %ld objects are alive", oskit_live_objects()));
  }
  installed.store(env == &host() ? nullptr : env, std::memory_order_release);
  return absl::OkStatus();
}

ScopedEnvironment::ScopedEnvironment(Environment* env) : previous_(&current()), status_(install(env)) {}

ScopedEnvironment::~ScopedEnvironment() {
  if (status_.ok()) {
    absl::Status restored = install(previous_);
    if (!restored.ok()) host().log(LogLevel::kError, restored.message());
  }
}

long live_objects() { return oskit_live_objects(); }

}  // namespace oskit::env
