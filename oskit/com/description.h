// The C++ side of oskit_describe (oskit/com/describe.h): what a component's
// describe() writes, through the sink, in a few lines (docs/design.md,
// "Stack pictures").
//
//   OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
//     return oskit::describe_to(sink, [&](oskit::Description& d) {
//       d.kind("subset", detail).holds("blkio", inner_.get()).counter("reads", reads_);
//     });
//   }
#ifndef OSKIT_COM_DESCRIPTION_H
#define OSKIT_COM_DESCRIPTION_H

#include <atomic>

#include "oskit/com/describe.h"
#include "oskit/com/ptr.h"
#include "oskit/error.h"

namespace oskit {

// Calls a sink's functions, skipping those it left NULL and NULL objects.
class Description {
 public:
  explicit Description(const oskit_description_sink& sink) noexcept : sink_(sink) {}

  Description& kind(const char* kind, const char* detail = nullptr) noexcept {
    if (sink_.kind != nullptr) sink_.kind(sink_.ctx, kind, detail);
    return *this;
  }
  Description& answers(const char* interface_name) noexcept {
    if (sink_.answers != nullptr) sink_.answers(sink_.ctx, interface_name);
    return *this;
  }
  template <class I>
  Description& holds(const char* role, I* held) noexcept {
    if (sink_.holds != nullptr && held != nullptr) sink_.holds(sink_.ctx, role, static_cast<oskit_iunknown*>(held));
    return *this;
  }
  template <class I>
  Description& holds(const char* role, const ComPtr<I>& held) noexcept {
    return holds(role, held.get());
  }
  Description& counter(const char* name, oskit_u64_t value) noexcept {
    if (sink_.counter != nullptr) sink_.counter(sink_.ctx, name, value);
    return *this;
  }
  template <class T>
  Description& counter(const char* name, const std::atomic<T>& value) noexcept {
    return counter(name, static_cast<oskit_u64_t>(value.load(std::memory_order_relaxed)));
  }

 private:
  const oskit_description_sink& sink_;
};

// The body of a describe method: OSKIT_E_POINTER for a NULL sink, else
// fill(Description&) and 0.
template <class Fill>
oskit_error_t describe_to(const oskit_description_sink* sink, Fill&& fill) noexcept {
  if (sink == nullptr) return OSKIT_E_POINTER;
  Description d(*sink);
  fill(d);
  return 0;
}

}  // namespace oskit

#endif  // OSKIT_COM_DESCRIPTION_H
