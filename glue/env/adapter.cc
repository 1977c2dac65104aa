#include "glue/env/adapter.h"

#include <atomic>
#include <thread>

#include "glue/env/static_object.h"

namespace oskit::env::internal {
namespace {

struct Adapter;

class AdaptedMem final : public StaticObject<oskit_osenv_mem> {
 public:
  explicit AdaptedMem(Adapter* a) noexcept : a_(a) {}
  void* OSKIT_COMCALL alloc(oskit_size_t size, oskit_u32_t flags, oskit_size_t align,
                            const char* tag) noexcept override;
  OSKIT_COMDECL_V free(void* block, oskit_size_t size, oskit_size_t align) noexcept override;

 private:
  Adapter* const a_;
};

class AdaptedLog final : public StaticObject<oskit_osenv_log> {
 public:
  explicit AdaptedLog(Adapter* a) noexcept : a_(a) {}
  OSKIT_COMDECL log(oskit_u32_t level, const char* message, oskit_size_t length) noexcept override;

 private:
  Adapter* const a_;
};

class AdaptedClock final : public StaticObject<oskit_osenv_clock> {
 public:
  explicit AdaptedClock(Adapter* a) noexcept : a_(a) {}
  oskit_s64_t OSKIT_COMCALL now() noexcept override;
  OSKIT_COMDECL wait(const oskit_u32_t* word, oskit_u32_t expected, oskit_s64_t deadline) noexcept override;
  oskit_u32_t OSKIT_COMCALL wake(const oskit_u32_t* word, oskit_u32_t count) noexcept override;
  OSKIT_COMDECL sleep_until(oskit_s64_t deadline) noexcept override;

 private:
  Adapter* const a_;
};

class AdaptedThreads final : public StaticObject<oskit_osenv_threads> {
 public:
  explicit AdaptedThreads(Adapter* a) noexcept : a_(a) {}
  OSKIT_COMDECL start(const char* name, oskit_osenv_thread_body_t body, void* arg,
                      oskit_osenv_thread_handle_t** out_thread) noexcept override;
  OSKIT_COMDECL join(oskit_osenv_thread_handle_t* thread) noexcept override;

 private:
  Adapter* const a_;
};

class AdaptedIrq final : public StaticObject<oskit_osenv_irq> {
 public:
  explicit AdaptedIrq(Adapter* a) noexcept : a_(a) {}
  OSKIT_COMDECL request(oskit_u32_t line, oskit_osenv_irq_handler_t handler, void* arg) noexcept override;
  OSKIT_COMDECL free(oskit_u32_t line) noexcept override;
  OSKIT_COMDECL raise(oskit_u32_t line) noexcept override;

 private:
  Adapter* const a_;
};

struct Adapter {
  std::atomic<Environment*> env{nullptr};
  AdaptedMem mem{this};
  AdaptedLog log{this};
  AdaptedClock clock{this};
  AdaptedThreads threads{this};
  AdaptedIrq irq{this};

  Environment& target() const noexcept { return *env.load(std::memory_order_acquire); }
  bool in_use() const noexcept { return mem.refs() + log.refs() + clock.refs() + threads.refs() + irq.refs() != 0; }
};

// As many as glue/env keeps environments: the installed one, and replaced
// ones that still hold things given out.
Adapter g_adapters[9];

void* AdaptedMem::alloc(oskit_size_t size, oskit_u32_t flags, oskit_size_t align, const char* tag) noexcept {
  if (align == 0 || (align & (align - 1)) != 0) return nullptr;
  return a_->target().allocate_tagged(size, align, flags, tag);
}

void AdaptedMem::free(void* block, oskit_size_t size, oskit_size_t align) noexcept {
  if (block != nullptr) a_->target().deallocate(block, size, align);
}

oskit_error_t AdaptedLog::log(oskit_u32_t level, const char* message, oskit_size_t length) noexcept {
  if (level > OSKIT_OSENV_LOG_ERROR) return OSKIT_EINVAL;
  if (message == nullptr && length > 0) return OSKIT_E_POINTER;
  a_->target().log(static_cast<LogLevel>(level), absl::string_view(message, length));
  return 0;
}

oskit_s64_t AdaptedClock::now() noexcept { return a_->target().monotonic_ns(); }

oskit_error_t AdaptedClock::wait(const oskit_u32_t* word, oskit_u32_t expected, oskit_s64_t deadline) noexcept {
  if (word == nullptr) return OSKIT_E_POINTER;
  return a_->target().wait(word, expected, deadline);
}

oskit_u32_t AdaptedClock::wake(const oskit_u32_t* word, oskit_u32_t count) noexcept {
  return word != nullptr ? a_->target().wake(word, count) : 0;
}

oskit_error_t AdaptedClock::sleep_until(oskit_s64_t deadline) noexcept {
  if (deadline == OSKIT_OSENV_FOREVER) return OSKIT_EINVAL;
  return a_->target().sleep_until(deadline);
}

// A thread of a C++ environment, as the threads object hands it out.
struct AdaptedThread : EnvAllocated<AdaptedThread> {
  AdaptedThread(oskit_osenv_thread_body_t b, void* a) noexcept : body(b), arg(a) {}
  void run() {
    self = std::this_thread::get_id();
    started.store(true, std::memory_order_release);
    body(arg);
  }
  bool is_caller() const noexcept {
    return started.load(std::memory_order_acquire) && self == std::this_thread::get_id();
  }

  const oskit_osenv_thread_body_t body;
  void* const arg;
  std::unique_ptr<WorkerThread> worker;
  std::atomic<bool> started{false};
  std::thread::id self;
};

oskit_error_t AdaptedThreads::start(const char* name, oskit_osenv_thread_body_t body, void* arg,
                                    oskit_osenv_thread_handle_t** out_thread) noexcept {
  if (out_thread != nullptr) *out_thread = nullptr;
  if (body == nullptr || out_thread == nullptr) return OSKIT_E_POINTER;
  auto* thread = new (std::nothrow) AdaptedThread(body, arg);
  if (thread == nullptr) return OSKIT_ENOMEM;
  try {
    auto worker = a_->target().start_thread(name != nullptr ? name : "", [thread] { thread->run(); });
    if (!worker.ok()) {
      delete thread;
      return thread_start_error(worker.status());
    }
    thread->worker = std::move(worker).value();
  } catch (const std::bad_alloc&) {
    delete thread;
    return OSKIT_ENOMEM;
  }
  *out_thread = reinterpret_cast<oskit_osenv_thread_handle_t*>(thread);
  return 0;
}

oskit_error_t AdaptedThreads::join(oskit_osenv_thread_handle_t* handle) noexcept {
  if (handle == nullptr) return OSKIT_EINVAL;
  auto* thread = reinterpret_cast<AdaptedThread*>(handle);
  if (thread->is_caller()) return OSKIT_EDEADLK;
  thread->worker->join();
  delete thread;
  return 0;
}

oskit_error_t AdaptedIrq::request(oskit_u32_t line, oskit_osenv_irq_handler_t handler, void* arg) noexcept {
  return a_->target().request_irq(line, handler, arg);
}

oskit_error_t AdaptedIrq::free(oskit_u32_t line) noexcept { return a_->target().free_irq(line); }

oskit_error_t AdaptedIrq::raise(oskit_u32_t line) noexcept { return a_->target().raise_irq(line); }

}  // namespace

bool adapt(Environment* env, oskit_osenv* out) noexcept {
  for (Adapter& a : g_adapters) {
    if (a.in_use()) continue;
    a.env.store(env, std::memory_order_release);
    *out = oskit_osenv{&a.mem, &a.log, &a.clock, &a.threads, &a.irq, 0};
    return true;
  }
  return false;
}

Environment* adapted(const oskit_osenv& installed) noexcept {
  for (Adapter& a : g_adapters) {
    if (installed.mem == &a.mem && installed.log == &a.log && installed.clock == &a.clock &&
        installed.threads == &a.threads && installed.irq == &a.irq) {
      return a.env.load(std::memory_order_acquire);
    }
  }
  return nullptr;
}

}  // namespace oskit::env::internal
