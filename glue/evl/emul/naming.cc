#include "glue/evl/emul/naming.h"

#include <errno.h>
#include <stdio.h>

namespace oskit::evl::emul {

int check_name(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return -EINVAL;
  for (unsigned char c : name) {
    if (c == '/' || c < 0x20 || c == 0x7f) return -EINVAL;
  }
  return 0;
}

int NameRegistry::reserve(std::string_view name) {
  oskit::MutexLock lock(&mu_);
  try {
    return names_.emplace(name).second ? 0 : -EEXIST;
  } catch (const std::bad_alloc&) {
    return -ENOMEM;
  }
}

void NameRegistry::release(std::string_view name) {
  oskit::MutexLock lock(&mu_);
  const auto it = names_.find(name);
  if (it != names_.end()) names_.erase(it);
}

}  // namespace oskit::evl::emul
