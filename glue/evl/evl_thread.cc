#include "glue/evl/evl_thread.h"

#include <string.h>

#include <atomic>
#include <utility>

#include <evl/thread.h>

namespace oskit::evl {
namespace {

constexpr std::uint32_t kStarting = 0;
constexpr std::uint32_t kAttached = 1;

// What the worker needs; owned by the EvlThread handed to the caller, so it
// lives until the worker is joined. Nothing is allocated but this record and
// the environment's thread.
struct Start : env::EnvAllocated<Start> {
  Start(std::string n, std::function<void()> b) noexcept : name(std::move(n)), body(std::move(b)) {}

  void run() {
    fd = evl_attach_self("%s", name.c_str());
    __atomic_store_n(&state, kAttached, __ATOMIC_SEQ_CST);
    oskit_env_wake(&state, 1);
    if (fd < 0) return;
    body();
    evl_detach_self();
  }
  // Waits for the worker to attach (or fail to); returns the descriptor or
  // a negated errno.
  int attached() {
    while (__atomic_load_n(&state, __ATOMIC_SEQ_CST) == kStarting) {
      oskit_env_wait(&state, kStarting, OSKIT_OSENV_FOREVER);
    }
    return fd;
  }

  const std::string name;
  const std::function<void()> body;
  std::uint32_t state = kStarting;
  int fd = -1;
};

class EvlThread final : public env::WorkerThread {
 public:
  ~EvlThread() override { join(); }
  void join() noexcept override {
    if (worker_ != nullptr) worker_->join();
  }

  std::unique_ptr<Start> start;  // destroyed after worker_, which joins
  std::unique_ptr<env::WorkerThread> worker_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<env::WorkerThread>> start_evl_thread(std::string name, std::function<void()> body) {
  std::unique_ptr<EvlThread> thread(new (std::nothrow) EvlThread);
  if (thread == nullptr) return absl::Status(absl::StatusCode::kResourceExhausted, "");
  thread->start.reset(new (std::nothrow) Start(std::move(name), std::move(body)));
  Start* const s = thread->start.get();
  if (s == nullptr) return absl::Status(absl::StatusCode::kResourceExhausted, "");
  auto worker = env::current().start_thread(s->name, [s] { s->run(); });
  if (!worker.ok()) return worker.status();
  thread->worker_ = std::move(worker).value();
  const int fd = s->attached();
  if (fd < 0) {
    env::logf(env::LogLevel::kError, "cannot attach '%s': %s", s->name, strerror(-fd));
    return absl::Status(absl::StatusCode::kInternal, "");
  }
  return std::unique_ptr<env::WorkerThread>(std::move(thread));
}

}  // namespace oskit::evl
