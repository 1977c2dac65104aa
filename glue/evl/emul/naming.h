// Element names (the EVL documentation's element naming convention): format,
// check, and keep them unique per element type.
#ifndef GLUE_EVL_EMUL_NAMING_H
#define GLUE_EVL_EMUL_NAMING_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include <functional>
#include <new>
#include <set>
#include <string>
#include <string_view>

#include "glue/env/env.h"
#include "oskit/sync/mutex.h"

namespace oskit::evl::emul {

// An element's name, in the installed environment's memory.
using Name = std::basic_string<char, std::char_traits<char>, oskit::env::Allocator<char>>;

// Validates an element name (after the optional leading '/'): 0 or -EINVAL.
int check_name(std::string_view name);

// Formats like vsnprintf into *out: 0, -EINVAL on a formatting error, or
// -ENOMEM.
template <class String>
int vformat(String* out, const char* fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  char small[256];
  const int n = vsnprintf(small, sizeof small, fmt, copy);
  va_end(copy);
  if (n < 0) return -EINVAL;
  try {
    if (static_cast<size_t>(n) < sizeof small) {
      out->assign(small, n);
      return 0;
    }
    out->resize(n + 1);
    vsnprintf(&(*out)[0], n + 1, fmt, ap);
    out->resize(n);
    return 0;
  } catch (const std::bad_alloc&) {
    return -ENOMEM;
  }
}

// The names in use by one element type.
class NameRegistry {
 public:
  // 0, -EEXIST when the name is taken, or -ENOMEM.
  int reserve(std::string_view name);
  void release(std::string_view name);

 private:
  oskit::Mutex mu_;
  std::set<Name, std::less<>, oskit::env::Allocator<Name>> names_ ABSL_GUARDED_BY(mu_);
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_NAMING_H
