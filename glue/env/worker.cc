#include "glue/env/worker.h"

#include <utility>

namespace oskit::env::internal {
namespace {

class Worker final : public WorkerThread {
 public:
  Worker(ThreadJoinFn join, std::function<void()> body) noexcept : join_(join), body_(std::move(body)) {}
  ~Worker() override { join(); }

  void join() noexcept override {
    if (thread_ != nullptr && join_(thread_) == 0) thread_ = nullptr;
  }

  static void run(void* self) { static_cast<Worker*>(self)->body_(); }

  oskit_osenv_thread_handle_t** handle() noexcept { return &thread_; }

 private:
  const ThreadJoinFn join_;
  std::function<void()> body_;
  oskit_osenv_thread_handle_t* thread_ = nullptr;
};

}  // namespace

absl::StatusCode thread_start_code(oskit_error_t rc) noexcept {
  if (rc == OSKIT_EPERM) return absl::StatusCode::kPermissionDenied;
  if (rc == OSKIT_EAGAIN) return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kResourceExhausted;
}

absl::StatusOr<std::unique_ptr<WorkerThread>> start_worker(ThreadStartFn start, ThreadJoinFn join,
                                                           const std::string& name, std::function<void()> body) {
  std::unique_ptr<Worker> worker(new (std::nothrow) Worker(join, std::move(body)));
  if (worker == nullptr) {
    logf(LogLevel::kError, "no memory for thread '%s'", name);
    return absl::Status(absl::StatusCode::kResourceExhausted, "");
  }
  oskit_error_t rc = start(name.c_str(), &Worker::run, worker.get(), worker->handle());
  if (rc != 0) {
    logf(LogLevel::kError, "cannot start thread '%s': %s", name, oskit_error_string(rc));
    return absl::Status(thread_start_code(rc), "");
  }
  return std::unique_ptr<WorkerThread>(std::move(worker));
}

}  // namespace oskit::env::internal

namespace oskit::env {

oskit_error_t thread_start_error(const absl::Status& status) noexcept {
  switch (status.code()) {
    case absl::StatusCode::kPermissionDenied:
      return OSKIT_EPERM;
    case absl::StatusCode::kUnavailable:
      return OSKIT_EAGAIN;
    default:
      return OSKIT_ENOMEM;
  }
}

}  // namespace oskit::env
