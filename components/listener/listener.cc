#include "components/listener/listener.h"

#include <atomic>

#include "oskit/com/description.h"
#include "oskit/com/implements.h"

namespace oskit {
namespace {

class FunctionListener : public Implements<FunctionListener, oskit_listener, oskit_describe> {
 public:
  using Callback = oskit_error_t (*)(oskit_iunknown_t* obj, void* arg);
  OSKIT_COMDECL notify(oskit_iunknown* obj) noexcept override {
    notifications_.fetch_add(1, std::memory_order_relaxed);
    return callback_(obj, arg_);
  }
  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    return describe_to(
        sink, [&](Description& d) { d.kind("listener", "a C function").counter("notifications", notifications_); });
  }

 protected:
  FunctionListener(Callback callback, void* arg) noexcept : callback_(callback), arg_(arg) {}
  ~FunctionListener() override = default;

 private:
  const Callback callback_;
  void* const arg_;
  std::atomic<oskit_u64_t> notifications_{0};
};

}  // namespace
}  // namespace oskit

extern "C" oskit_listener_t* oskit_create_listener(oskit_error_t (*func)(oskit_iunknown_t*, void*), void* arg) {
  if (func == nullptr) return nullptr;
  return oskit::make<oskit::FunctionListener>(func, arg).detach();
}
