// COM objects of glue/env that live in static storage: the host's services,
// the refusing services of a strict environment, the adapters of installed
// C++ environments. They are never created through make<T>(), so the object
// heap (which they stand behind) neither gives their memory nor counts them.
#ifndef GLUE_ENV_STATIC_OBJECT_H
#define GLUE_ENV_STATIC_OBJECT_H

#include <atomic>
#include <cstring>

#include "oskit/com.h"

namespace oskit::env::internal {

// Answers query for IUnknown and I; counts references without ever
// destroying the object (refs() tells whether anyone holds it).
template <class I>
class StaticObject : public I {
 public:
  OSKIT_COMDECL query(const oskit_guid* iid, void** out_ihandle) noexcept override {
    if (out_ihandle == nullptr) return OSKIT_E_POINTER;
    *out_ihandle = nullptr;
    if (iid == nullptr) return OSKIT_E_INVALIDARG;
    if (!same(*iid, iid_of<oskit_iunknown>::value) && !same(*iid, iid_of<I>::value)) return OSKIT_E_NOINTERFACE;
    addref();
    *out_ihandle = static_cast<I*>(this);
    return 0;
  }
  OSKIT_COMDECL_U addref() noexcept override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  OSKIT_COMDECL_U release() noexcept override { return refs_.fetch_sub(1, std::memory_order_acq_rel) - 1; }

  oskit_u32_t refs() const noexcept { return refs_.load(std::memory_order_acquire); }

 protected:
  StaticObject() = default;
  ~StaticObject() = default;

 private:
  static bool same(const oskit_guid& a, const oskit_guid& b) noexcept { return std::memcmp(&a, &b, sizeof a) == 0; }

  std::atomic<oskit_u32_t> refs_{0};
};

}  // namespace oskit::env::internal

#endif  // GLUE_ENV_STATIC_OBJECT_H
