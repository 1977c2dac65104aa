// Objects of the emulation in the installed environment's memory (glue/env),
// at any alignment: make_env<T>() constructs one, EnvPtr<T> destroys it and
// gives the memory back.
#ifndef GLUE_EVL_EMUL_ENV_OBJECT_H
#define GLUE_EVL_EMUL_ENV_OBJECT_H

#include <memory>
#include <new>
#include <utility>

#include "glue/env/osenv.h"

namespace oskit::evl::emul {

template <class T>
struct EnvDelete {
  void operator()(T* p) const noexcept {
    p->~T();
    oskit_env_free(p, sizeof(T), alignof(T));
  }
};

template <class T>
using EnvPtr = std::unique_ptr<T, EnvDelete<T>>;

// A T built from args, tagged tag; empty when the memory is exhausted.
template <class T, class... Args>
EnvPtr<T> make_env(const char* tag, Args&&... args) noexcept {
  void* memory = oskit_env_alloc(sizeof(T), OSKIT_OSENV_MEM_MAYBLOCK, alignof(T), tag);
  if (memory == nullptr) return nullptr;
  return EnvPtr<T>(new (memory) T(std::forward<Args>(args)...));
}

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_ENV_OBJECT_H
