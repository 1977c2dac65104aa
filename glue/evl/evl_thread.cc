#include "glue/evl/evl_thread.h"

#include <string.h>

#include <future>

#include <evl/thread.h>

namespace oskit::evl {

absl::StatusOr<std::unique_ptr<env::WorkerThread>> start_evl_thread(std::string name, std::function<void()> body) {
  auto attached = std::make_shared<std::promise<int>>();
  std::future<int> result = attached->get_future();
  auto thread = env::current().start_thread(name, [name, attached, body = std::move(body)] {
    int fd = evl_attach_self("%s", name.c_str());
    attached->set_value(fd);
    if (fd < 0) return;
    body();
    evl_detach_self();
  });
  if (!thread.ok()) return thread.status();
  int fd = result.get();
  if (fd < 0) {
    return absl::InternalError(absl::StrFormat("cannot attach '%s': %s", name, strerror(-fd)));
  }
  return thread;
}

}  // namespace oskit::evl
