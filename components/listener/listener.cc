#include "components/listener/listener.h"

extern "C" oskit_listener_t* oskit_create_listener(oskit_error_t (*func)(oskit_iunknown_t* obj, void* arg),
                                                   void* arg) {
  if (func == nullptr) return nullptr;
  return oskit::make<oskit::FunctionListener>(func, arg).detach();
}
