// What the strict-environment tests share: a step that records the first
// failure and returns, and release of COM objects held in C pointers.
#ifndef TESTS_STRICT_ENV_STEPS_H
#define TESTS_STRICT_ENV_STEPS_H

#include <tuple>

#include "oskit/com.h"

// Runs expr; on failure records it in outcome (failed_at, rc) and returns.
#define STEP(outcome, expr)          \
  do {                               \
    oskit_error_t step_rc_ = (expr); \
    if (step_rc_ < 0) {              \
      (outcome)->failed_at = #expr;  \
      (outcome)->rc = step_rc_;      \
      return;                        \
    }                                \
  } while (0)

namespace strict_env {

// Releases a COM object held in a C pointer.
template <class T>
void drop(T** p) {
  if (*p != nullptr) reinterpret_cast<oskit_iunknown*>(*p)->release();
  *p = nullptr;
}

// Drops the objects of the pointers it was given when it goes.
template <class... T>
struct Held {
  std::tuple<T**...> ptrs;
  ~Held() {
    std::apply([](auto... p) { (drop(p), ...); }, ptrs);
  }
};

}  // namespace strict_env

#endif  // TESTS_STRICT_ENV_STEPS_H
