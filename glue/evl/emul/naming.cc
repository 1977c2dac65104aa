#include "glue/evl/emul/naming.h"

#include <errno.h>
#include <stdio.h>

namespace oskit::evl::emul {

int check_name(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return -EINVAL;
  for (unsigned char c : name) {
    if (c == '/' || c < 0x20 || c == 0x7f) return -EINVAL;
  }
  return 0;
}

bool vformat(std::string* out, const char* fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, copy);
  va_end(copy);
  if (n < 0) return false;
  if (static_cast<size_t>(n) < sizeof small) {
    out->assign(small, n);
    return true;
  }
  out->resize(n + 1);
  vsnprintf(&(*out)[0], n + 1, fmt, ap);
  out->resize(n);
  return true;
}

int NameRegistry::reserve(const std::string& name) {
  oskit::MutexLock lock(&mu_);
  return names_.insert(name).second ? 0 : -EEXIST;
}

void NameRegistry::release(const std::string& name) {
  oskit::MutexLock lock(&mu_);
  names_.erase(name);
}

}  // namespace oskit::evl::emul
