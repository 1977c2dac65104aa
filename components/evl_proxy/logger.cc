#include "components/evl_proxy/logger.h"

#include <stdio.h>

#include <utility>

#include "absl/base/thread_annotations.h"
#include "oskit/com/implements.h"
#include "oskit/io/asyncio.h"
#include "oskit/sync/mutex.h"

namespace oskit::evl {
namespace {

// Wakes a flush() waiting for its stream to become writable.
class Waker : public Implements<Waker, oskit_listener> {
 public:
  OSKIT_COMDECL notify(oskit_iunknown*) noexcept override {
    MutexLock lock(&mu_);
    ++events_;
    cv_.notify_all();
    return 0;
  }
  // Waits for a notification after the seen-th one; returns the new count.
  unsigned wait_beyond(unsigned seen) {
    MutexLock lock(&mu_);
    while (events_ <= seen) cv_.wait(&mu_);
    return events_;
  }
  unsigned events() {
    MutexLock lock(&mu_);
    return events_;
  }

 protected:
  Waker() = default;
  ~Waker() override = default;

 private:
  Mutex mu_;
  CondVar cv_;
  unsigned events_ ABSL_GUARDED_BY(mu_) = 0;
};

// What flush() makes of the conditions: failed, done (0), or keep waiting (1).
// An exception wins: output may have been given up on even though the ring
// is empty again.
oskit_error_t flush_state(oskit_error_t conditions) noexcept {
  if (conditions < 0) return conditions;
  if (conditions & OSKIT_ASYNCIO_EXCEPTION) return OSKIT_EIO;
  if (conditions & OSKIT_ASYNCIO_WRITABLE) return 0;
  return 1;
}

}  // namespace

Logger::Logger(ComPtr<oskit_stream> stream) noexcept : stream_(std::move(stream)) {}

oskit_error_t Logger::open(int target_fd, oskit_size_t ring_size, const char* name, std::unique_ptr<Logger>* out) {
  if (out == nullptr) return OSKIT_E_POINTER;
  out->reset();
  if (ring_size == 0) return OSKIT_EINVAL;
  oskit_evl_proxy_options opts = {ring_size, 0, OSKIT_EVL_PROXY_OUTPUT, name, 0};
  ComPtr<oskit_stream> stream;
  oskit_error_t rc = oskit_evl_proxy_create(target_fd, &opts, stream.put());
  if (rc != 0) return rc;
  out->reset(new (std::nothrow) Logger(std::move(stream)));
  return *out ? 0 : OSKIT_ENOMEM;
}

oskit_error_t Logger::printf(const char* fmt, ...) noexcept {
  va_list ap;
  va_start(ap, fmt);
  oskit_error_t rc = vprintf(fmt, ap);
  va_end(ap);
  return rc;
}

oskit_error_t Logger::vprintf(const char* fmt, va_list ap) noexcept {
  if (fmt == nullptr) return OSKIT_EINVAL;
  char record[kMaxRecord];
  int n = vsnprintf(record, sizeof record, fmt, ap);
  if (n < 0) return OSKIT_EINVAL;
  if (static_cast<std::size_t>(n) >= sizeof record) return OSKIT_EFBIG;
  oskit_u32_t done = 0;
  oskit_error_t rc = stream_->write(record, static_cast<oskit_u32_t>(n), &done);
  return rc != 0 ? rc : static_cast<oskit_error_t>(done);
}

oskit_error_t Logger::flush() noexcept {
  ComPtr<oskit_asyncio> io = query<oskit_asyncio>(stream_);
  if (!io) return OSKIT_E_NOINTERFACE;
  // A stream that can never be written (an input-only proxy, a device opened
  // read-only) would never become writable: it says so to an empty write.
  oskit_u32_t none = 0;
  oskit_error_t refused = stream_->write("", 0, &none);
  if (refused != 0) return refused;
  ComPtr<Waker> waker = make<Waker>();
  if (!waker) return OSKIT_ENOMEM;
  unsigned seen = waker->events();
  oskit_error_t rc = flush_state(io->add_listener(waker.get(), OSKIT_ASYNCIO_WRITABLE | OSKIT_ASYNCIO_EXCEPTION));
  if (rc < 0) return rc;  // not registered
  while (rc == 1) {
    seen = waker->wait_beyond(seen);
    rc = flush_state(io->poll());
  }
  io->remove_listener(waker.get());
  return rc;
}

}  // namespace oskit::evl
