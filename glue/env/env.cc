#include "glue/env/env.h"

#include <new>

#include "glue/env/adapter.h"
#include "glue/env/internal.h"
#include "glue/env/worker.h"
#include "oskit/com/heap.h"
#include "oskit/sync/mutex.h"

namespace oskit::env {
namespace {

oskit_osenv host_objects() noexcept {
  oskit_osenv h;
  oskit_env_host(&h);
  return h;
}

oskit_error_t host_thread_start(const char* name, oskit_osenv_thread_body_t body, void* arg,
                                oskit_osenv_thread_handle_t** out_thread) {
  return host_objects().threads->start(name, body, arg, out_thread);
}

oskit_error_t host_thread_join(oskit_osenv_thread_handle_t* thread) { return host_objects().threads->join(thread); }

std::int64_t saturating_add(std::int64_t now, std::int64_t delay) noexcept {
  if (delay <= 0) return now;
  return delay >= OSKIT_OSENV_FOREVER - now ? OSKIT_OSENV_FOREVER : now + delay;
}

// The host's services, straight (not through what is installed).
class HostEnvironment final : public Environment {
 public:
  void* allocate(std::size_t size, std::size_t align) noexcept override {
    return allocate_tagged(size, align, OSKIT_OSENV_MEM_MAYBLOCK, nullptr);
  }
  void* allocate_tagged(std::size_t size, std::size_t align, std::uint32_t flags, const char* tag) noexcept override {
    return host_objects().mem->alloc(size, flags, align, tag);
  }
  void deallocate(void* ptr, std::size_t size, std::size_t align) noexcept override {
    host_objects().mem->free(ptr, size, align);
  }
  void log(LogLevel level, absl::string_view message) noexcept override {
    host_objects().log->log(static_cast<oskit_u32_t>(level), message.data(), message.size());
  }
  std::int64_t monotonic_ns() noexcept override { return host_objects().clock->now(); }
  absl::StatusOr<std::unique_ptr<WorkerThread>> start_thread(std::string name, std::function<void()> body) override {
    return internal::start_worker(host_thread_start, host_thread_join, name, std::move(body));
  }
};

// Whatever is installed, through glue/env/osenv.h.
class InstalledEnvironment final : public Environment {
 public:
  void* allocate(std::size_t size, std::size_t align) noexcept override {
    return oskit_env_alloc(size, OSKIT_OSENV_MEM_MAYBLOCK, align, nullptr);
  }
  void* allocate_tagged(std::size_t size, std::size_t align, std::uint32_t flags, const char* tag) noexcept override {
    return oskit_env_alloc(size, flags, align, tag);
  }
  void deallocate(void* ptr, std::size_t size, std::size_t align) noexcept override {
    oskit_env_free(ptr, size, align);
  }
  void log(LogLevel level, absl::string_view message) noexcept override {
    oskit_env_log(static_cast<oskit_u32_t>(level), message.data(), message.size());
  }
  std::int64_t monotonic_ns() noexcept override { return oskit_env_now(); }
  oskit_error_t wait(const std::uint32_t* word, std::uint32_t expected, std::int64_t deadline_ns) noexcept override {
    return oskit_env_wait(word, expected, deadline_ns);
  }
  std::uint32_t wake(const std::uint32_t* word, std::uint32_t count) noexcept override {
    return oskit_env_wake(word, count);
  }
  oskit_error_t sleep_until(std::int64_t deadline_ns) noexcept override { return oskit_env_sleep_until(deadline_ns); }
  absl::StatusOr<std::unique_ptr<WorkerThread>> start_thread(std::string name, std::function<void()> body) override {
    return internal::start_worker(oskit_env_thread_start, oskit_env_thread_join, name, std::move(body));
  }
  oskit_error_t request_irq(std::uint32_t line, oskit_osenv_irq_handler_t handler, void* arg) noexcept override {
    return oskit_env_irq_request(line, handler, arg);
  }
  oskit_error_t free_irq(std::uint32_t line) noexcept override { return oskit_env_irq_free(line); }
  oskit_error_t raise_irq(std::uint32_t line) noexcept override { return oskit_env_irq_raise(line); }
};

// Never destroyed: static destructors may still use the environment.
template <class T>
T& forever() noexcept {
  alignas(T) static unsigned char storage[sizeof(T)];
  static T* object = new (storage) T;
  return *object;
}

Mutex& install_mu() noexcept {
  static Mutex mu;
  return mu;
}

absl::Status busy_status() {
  oskit_env_usage usage;
  oskit_env_get_usage(&usage);
  return absl::FailedPreconditionError(absl::StrFormat(
      "cannot change the environment: %ld objects alive, %llu allocations, %llu threads and %u interrupt lines "
      "outstanding, %u threads sleeping",
      usage.live_objects, static_cast<unsigned long long>(usage.live_allocations),
      static_cast<unsigned long long>(usage.live_threads), usage.irq_lines, usage.sleepers));
}

absl::Status status_of_install(oskit_error_t rc) {
  if (rc == 0) return absl::OkStatus();
  if (rc == OSKIT_EBUSY) return busy_status();
  return absl::InternalError(absl::StrFormat("cannot change the environment: %s", oskit_error_string(rc)));
}

}  // namespace

void* Environment::allocate_tagged(std::size_t size, std::size_t align, std::uint32_t, const char*) noexcept {
  return allocate(size, align);
}

oskit_error_t Environment::wait(const std::uint32_t* word, std::uint32_t expected, std::int64_t deadline_ns) noexcept {
  return host_objects().clock->wait(word, expected, deadline_ns);
}

std::uint32_t Environment::wake(const std::uint32_t* word, std::uint32_t count) noexcept {
  return host_objects().clock->wake(word, count);
}

oskit_error_t Environment::sleep_until(std::int64_t deadline_ns) noexcept {
  return host_objects().clock->sleep_until(deadline_ns);
}

oskit_error_t Environment::request_irq(std::uint32_t line, oskit_osenv_irq_handler_t handler, void* arg) noexcept {
  return host_objects().irq->request(line, handler, arg);
}

oskit_error_t Environment::free_irq(std::uint32_t line) noexcept { return host_objects().irq->free(line); }

oskit_error_t Environment::raise_irq(std::uint32_t line) noexcept { return host_objects().irq->raise(line); }

std::int64_t Environment::deadline_after(std::int64_t delay_ns) noexcept {
  return saturating_add(monotonic_ns(), delay_ns);
}

Environment& host() { return forever<HostEnvironment>(); }

Environment& current() { return forever<InstalledEnvironment>(); }

Environment* installed() {
  oskit_osenv now;
  oskit_env_current(&now);
  if (Environment* env = internal::adapted(now)) return env;
  oskit_osenv h;
  oskit_env_host_services(&h);
  const bool is_host =
      now.mem == h.mem && now.log == h.log && now.clock == h.clock && now.threads == h.threads && now.irq == h.irq;
  return is_host ? &host() : nullptr;
}

absl::Status install(Environment* env) {
  if (env == &current()) return absl::OkStatus();  // a view of what is installed
  MutexLock lock(&install_mu());
  if (env == nullptr || env == &host()) return status_of_install(oskit_env_install(nullptr));
  oskit_osenv adapted;
  if (!internal::adapt(env, &adapted)) {
    return absl::FailedPreconditionError("cannot change the environment: the previous one is still in use");
  }
  return status_of_install(oskit_env_install(&adapted));
}

ScopedEnvironment::ScopedEnvironment(Environment* env) : previous_(installed()), previous_c_{} {
  if (previous_ == nullptr) {
    oskit_env_current(&previous_c_);
    internal::addref_all(previous_c_);
  }
  status_ = install(env);
}

ScopedEnvironment::~ScopedEnvironment() {
  if (status_.ok()) {
    absl::Status restored =
        previous_ != nullptr ? install(previous_) : status_of_install(oskit_env_install(&previous_c_));
    if (!restored.ok()) host().log(LogLevel::kError, restored.message());
  }
  if (previous_ == nullptr) internal::release_all(previous_c_);
}

long live_objects() { return oskit_live_objects(); }

}  // namespace oskit::env
