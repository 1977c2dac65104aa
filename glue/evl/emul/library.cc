#include "glue/evl/emul/library.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>

#include "glue/evl/config.h"
#include "glue/evl/emul/readiness_relay.h"
#include "oskit/sync/mutex.h"

namespace oskit::evl::emul {
namespace {

struct State {
  oskit::Mutex mu;
  std::string root ABSL_GUARDED_BY(mu);
  bool root_set ABSL_GUARDED_BY(mu) = false;
  std::atomic<bool> initialised{false};  // written under mu
};

State& state() {
  static State* s = new State;
  return *s;
}

// $OSKIT_EVL_ROOT, else /dev/evl where libevl's programs look, when this
// process may make it (as root), else /tmp/evl.
std::string default_root() {
  const char* env = getenv("OSKIT_EVL_ROOT");
  if (env != nullptr && *env != '\0') return env;
  static const bool dev_evl = mkdir("/dev/evl", 0755) == 0 || access("/dev/evl", W_OK) == 0;
  return dev_evl ? "/dev/evl" : "/tmp/evl";
}

}  // namespace

bool initialised() { return state().initialised.load(std::memory_order_acquire); }

std::string root_dir() {
  State& s = state();
  oskit::MutexLock lock(&s.mu);
  return s.root_set ? s.root : default_root();
}

int set_root(const char* dir) {
  if (dir == nullptr) return -EINVAL;
  if (strlen(dir) >= PATH_MAX) return -ENAMETOOLONG;
  State& s = state();
  oskit::MutexLock lock(&s.mu);
  if (s.initialised.load(std::memory_order_relaxed)) return -EBUSY;
  s.root = dir;
  s.root_set = true;
  return 0;
}

int ensure_init() {
  if (initialised()) return 0;
  State& s = state();
  {
    oskit::MutexLock lock(&s.mu);
    if (s.initialised.load(std::memory_order_relaxed)) return 0;
    if (!start_readiness_relay()) return -ENOMEM;
    s.initialised.store(true, std::memory_order_release);
  }
  return setup_std_proxies();
}

}  // namespace oskit::evl::emul

extern "C" {

int oskit_evl_set_root(const char* dir) { return oskit::evl::emul::set_root(dir); }

const char* oskit_evl_root(void) {
  static thread_local std::string copy;
  copy = oskit::evl::emul::root_dir();
  return copy.c_str();
}

}  // extern "C"
