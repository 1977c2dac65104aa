#include "glue/env/testing/strict_env.h"

#include "glue/env/static_object.h"
#include "glue/env/testing/host_traps.h"
#include "oskit/sync/mutex.h"

namespace oskit::env::testing {

using internal::StaticObject;

namespace {

// What the objects share.
struct State {
  State() { oskit_env_host_services(&host); }

  oskit_osenv host;
  std::atomic<long> allocations{0};
  std::atomic<long> frees{0};
  std::atomic<long> threads_started{0};
  std::atomic<long> threads_joined{0};
  std::atomic<long> interrupts{0};
  mutable Mutex log_mu;
  std::vector<std::string> log ABSL_GUARDED_BY(log_mu);
};

class Mem final : public StaticObject<oskit_osenv_mem> {
 public:
  explicit Mem(State* s) noexcept : s_(s) {}
  void* OSKIT_COMCALL alloc(oskit_size_t size, oskit_u32_t flags, oskit_size_t align,
                            const char* tag) noexcept override {
    EnvScope env;
    void* p = s_->host.mem->alloc(size, flags, align, tag);
    if (p != nullptr) s_->allocations++;
    return p;
  }
  OSKIT_COMDECL_V free(void* block, oskit_size_t size, oskit_size_t align) noexcept override {
    EnvScope env;
    if (block != nullptr) s_->frees++;
    s_->host.mem->free(block, size, align);
  }

 private:
  State* const s_;
};

class Log final : public StaticObject<oskit_osenv_log> {
 public:
  explicit Log(State* s) noexcept : s_(s) {}
  OSKIT_COMDECL log(oskit_u32_t level, const char* message, oskit_size_t length) noexcept override {
    EnvScope env;
    if (level > OSKIT_OSENV_LOG_ERROR) return OSKIT_EINVAL;
    if (message == nullptr && length > 0) return OSKIT_E_POINTER;
    MutexLock lock(&s_->log_mu);
    s_->log.emplace_back(message != nullptr ? message : "", length);
    return 0;
  }

 private:
  State* const s_;
};

class Clock final : public StaticObject<oskit_osenv_clock> {
 public:
  explicit Clock(State* s) noexcept : s_(s) {}
  oskit_s64_t OSKIT_COMCALL now() noexcept override {
    EnvScope env;
    return s_->host.clock->now();
  }
  OSKIT_COMDECL wait(const oskit_u32_t* word, oskit_u32_t expected, oskit_s64_t deadline) noexcept override {
    EnvScope env;
    return s_->host.clock->wait(word, expected, deadline);
  }
  oskit_u32_t OSKIT_COMCALL wake(const oskit_u32_t* word, oskit_u32_t count) noexcept override {
    EnvScope env;
    return s_->host.clock->wake(word, count);
  }
  OSKIT_COMDECL sleep_until(oskit_s64_t deadline) noexcept override {
    EnvScope env;
    return s_->host.clock->sleep_until(deadline);
  }

 private:
  State* const s_;
};

// A started thread: its body runs as toolkit code.
struct Thread {
  oskit_osenv_thread_body_t body;
  void* arg;
  oskit_osenv_thread_handle_t* host;
};

void run_as_toolkit(void* raw) {
  auto* t = static_cast<Thread*>(raw);
  ToolkitScope toolkit;
  t->body(t->arg);
}

class Threads final : public StaticObject<oskit_osenv_threads> {
 public:
  explicit Threads(State* s) noexcept : s_(s) {}
  OSKIT_COMDECL start(const char* name, oskit_osenv_thread_body_t body, void* arg,
                      oskit_osenv_thread_handle_t** out_thread) noexcept override {
    EnvScope env;
    if (out_thread != nullptr) *out_thread = nullptr;
    if (body == nullptr || out_thread == nullptr) return OSKIT_E_POINTER;
    auto* t = new (std::nothrow) Thread{body, arg, nullptr};
    if (t == nullptr) return OSKIT_ENOMEM;
    oskit_error_t rc = s_->host.threads->start(name, run_as_toolkit, t, &t->host);
    if (rc != 0) {
      delete t;
      return rc;
    }
    s_->threads_started++;
    *out_thread = reinterpret_cast<oskit_osenv_thread_handle_t*>(t);
    return 0;
  }
  OSKIT_COMDECL join(oskit_osenv_thread_handle_t* thread) noexcept override {
    EnvScope env;
    if (thread == nullptr) return OSKIT_EINVAL;
    auto* t = reinterpret_cast<Thread*>(thread);
    oskit_error_t rc = s_->host.threads->join(t->host);
    if (rc != 0) return rc;
    delete t;
    s_->threads_joined++;
    return 0;
  }

 private:
  State* const s_;
};

// Interrupt handlers run as toolkit code.
class Irq final : public StaticObject<oskit_osenv_irq> {
 public:
  explicit Irq(State* s) noexcept : s_(s) {}
  OSKIT_COMDECL request(oskit_u32_t line, oskit_osenv_irq_handler_t handler, void* arg) noexcept override {
    EnvScope env;
    if (line >= OSKIT_OSENV_IRQ_LINES || handler == nullptr) return OSKIT_EINVAL;
    lines_[line].handler = handler;
    lines_[line].arg = arg;
    lines_[line].services = s_;
    return s_->host.irq->request(line, deliver, &lines_[line]);
  }
  OSKIT_COMDECL free(oskit_u32_t line) noexcept override {
    EnvScope env;
    return s_->host.irq->free(line);
  }
  OSKIT_COMDECL raise(oskit_u32_t line) noexcept override {
    EnvScope env;
    return s_->host.irq->raise(line);
  }

 private:
  struct Line {
    oskit_osenv_irq_handler_t handler = nullptr;
    void* arg = nullptr;
    State* services = nullptr;
  };
  static void deliver(void* raw) {
    auto* l = static_cast<Line*>(raw);
    l->services->interrupts++;
    ToolkitScope toolkit;
    l->handler(l->arg);
  }

  State* const s_;
  Line lines_[OSKIT_OSENV_IRQ_LINES];
};

}  // namespace

struct StrictEnvironment::Services {
  State state;
  Mem mem{&state};
  Log log{&state};
  Clock clock{&state};
  Threads threads{&state};
  Irq irq{&state};
};

StrictEnvironment::StrictEnvironment() : services_(new Services) {}

StrictEnvironment::~StrictEnvironment() = default;

oskit_osenv StrictEnvironment::osenv() const {
  Services* s = services_.get();
  return oskit_osenv{&s->mem, &s->log, &s->clock, &s->threads, &s->irq, OSKIT_OSENV_STRICT};
}

long StrictEnvironment::allocations() const { return services_->state.allocations.load(); }
long StrictEnvironment::live_allocations() const {
  return services_->state.allocations.load() - services_->state.frees.load();
}
long StrictEnvironment::threads_started() const { return services_->state.threads_started.load(); }
long StrictEnvironment::live_threads() const {
  return services_->state.threads_started.load() - services_->state.threads_joined.load();
}
long StrictEnvironment::interrupts_delivered() const { return services_->state.interrupts.load(); }

std::vector<std::string> StrictEnvironment::log_lines() const {
  MutexLock lock(&services_->state.log_mu);
  return services_->state.log;
}

}  // namespace oskit::env::testing
