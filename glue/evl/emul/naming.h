// Element names (the EVL documentation's element naming convention): format,
// check, and keep them unique per element type.
#ifndef GLUE_EVL_EMUL_NAMING_H
#define GLUE_EVL_EMUL_NAMING_H

#include <stdarg.h>

#include <set>
#include <string>

#include "oskit/sync/mutex.h"

namespace oskit::evl::emul {

// Validates an element name (after the optional leading '/'): 0 or -EINVAL.
int check_name(const std::string& name);

// Formats like vsnprintf into *out; false on a formatting error.
bool vformat(std::string* out, const char* fmt, va_list ap);

// The names in use by one element type.
class NameRegistry {
 public:
  // 0, or -EEXIST when the name is taken.
  int reserve(const std::string& name);
  void release(const std::string& name);

 private:
  oskit::Mutex mu_;
  std::set<std::string> names_ ABSL_GUARDED_BY(mu_);
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_NAMING_H
