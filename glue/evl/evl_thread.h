// EVL threads started through the embedding environment (glue/env): the
// worker is attached as an EVL thread before body runs and detached after.
#ifndef GLUE_EVL_EVL_THREAD_H
#define GLUE_EVL_EVL_THREAD_H

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "glue/env/env.h"

namespace oskit::evl {

// Starts body on a worker of the current environment, attached under name.
// Fails (and body does not run) when the thread cannot start or attach.
absl::StatusOr<std::unique_ptr<env::WorkerThread>> start_evl_thread(std::string name, std::function<void()> body);

}  // namespace oskit::evl

#endif  // GLUE_EVL_EVL_THREAD_H
