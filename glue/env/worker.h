// Worker threads of the C++ environments over an oskit_osenv_threads-like
// pair of calls (glue/env internal).
#ifndef GLUE_ENV_WORKER_H
#define GLUE_ENV_WORKER_H

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "glue/env/env.h"

namespace oskit::env::internal {

using ThreadStartFn = oskit_error_t (*)(const char* name, oskit_osenv_thread_body_t body, void* arg,
                                        oskit_osenv_thread_handle_t** out_thread);
using ThreadJoinFn = oskit_error_t (*)(oskit_osenv_thread_handle_t* thread);

// The Status code of a failed thread start (thread_start_error's inverse).
absl::StatusCode thread_start_code(oskit_error_t rc) noexcept;

// Starts body through start; the worker joins through join. Failures carry
// a code only (thread_start_code) and are logged.
absl::StatusOr<std::unique_ptr<WorkerThread>> start_worker(ThreadStartFn start, ThreadJoinFn join,
                                                           const std::string& name, std::function<void()> body);

}  // namespace oskit::env::internal

#endif  // GLUE_ENV_WORKER_H
