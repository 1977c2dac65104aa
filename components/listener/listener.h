// The function listener: an oskit_listener whose notify calls a C function
// (oskit_create_listener, oskit/com/listener.h).
#ifndef COMPONENTS_LISTENER_LISTENER_H
#define COMPONENTS_LISTENER_LISTENER_H

#include "oskit/com/implements.h"
#include "oskit/com/listener.h"

namespace oskit {

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

}  // namespace oskit

#endif  // COMPONENTS_LISTENER_LISTENER_H
