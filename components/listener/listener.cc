#include "components/listener/listener.h"

#include "oskit/com/implements.h"

namespace oskit {
namespace {

class FunctionListener : public Implements<FunctionListener, oskit_listener> {
 public:
  using Callback = oskit_error_t (*)(oskit_iunknown_t* obj, void* arg);
  OSKIT_COMDECL notify(oskit_iunknown* obj) noexcept override { return callback_(obj, arg_); }

 protected:
  FunctionListener(Callback callback, void* arg) noexcept : callback_(callback), arg_(arg) {}
  ~FunctionListener() override = default;

 private:
  const Callback callback_;
  void* const arg_;
};

}  // namespace
}  // namespace oskit

extern "C" oskit_listener_t* oskit_create_listener(oskit_error_t (*func)(oskit_iunknown_t*, void*), void* arg) {
  if (func == nullptr) return nullptr;
  return oskit::make<oskit::FunctionListener>(func, arg).detach();
}
