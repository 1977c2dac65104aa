// libevl's <evl/mutex.h> over the emulated core's gates.
#include <errno.h>
#include <sched.h>
#include <stdarg.h>

#include "evl/mutex.h"
#include "glue/evl/emul/monitor_binding.h"

namespace oskit::evl::emul {
namespace {

bool valid_ceiling(unsigned int ceiling) {
  const int max = sched_get_priority_max(SCHED_FIFO);
  return ceiling > 0 && max > 0 && ceiling <= static_cast<unsigned int>(max);
}

struct MutexTraits {
  using Object = struct evl_mutex;
  static constexpr unsigned int kUninitMagic = __MUTEX_UNINIT_MAGIC;
  static constexpr unsigned int kActiveMagic = __MUTEX_ACTIVE_MAGIC;
  static constexpr int kKind = EVL_MONITOR_GATE;
  static constexpr int kProtocol = -1;  // either protocol

  static int static_initval(const Object& mutex) { return static_cast<int>(mutex.u.uninit.ceiling); }

  // A non-zero ceiling asks for priority protection, else inheritance;
  // EVL_MUTEX_RECURSIVE is the gate's, not the element's.
  static int params(int ceiling, int flags, MonitorParams* p) {
    p->protocol = ceiling != 0 ? EVL_GATE_PP : EVL_GATE_PI;
    if (p->protocol == EVL_GATE_PP && !valid_ceiling(static_cast<unsigned int>(ceiling))) return -EINVAL;
    p->initval = ceiling;
    p->flags = flags & ~EVL_MUTEX_RECURSIVE;
    p->recursive = (flags & EVL_MUTEX_RECURSIVE) != 0;
    return 0;
  }

  static void bound(Object* mutex, const Monitor& m) {
    mutex->u.active.monitor = EVL_MONITOR_GATE;
    mutex->u.active.protocol = m.protocol;
  }
};
using MutexBinding = MonitorBinding<MutexTraits>;

// Runs op on the gate for an attached caller.
template <typename Op>
int with_gate(struct evl_mutex* mutex, Op op) {
  ThreadRecord* self = current_thread();
  if (self == nullptr) return -EPERM;
  return MutexBinding::locked(
      mutex, [&op, self](Monitor* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return op(m->gate(), self); });
}

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;
using oskit::MutexLock;

extern "C" {

int evl_create_mutex(struct evl_mutex* mutex, int clockfd, unsigned int ceiling, int flags, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int efd = MutexBinding::create(mutex, clockfd, static_cast<int>(ceiling), flags, fmt, ap);
  va_end(ap);
  return efd;
}

int evl_open_mutex(struct evl_mutex* mutex, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int efd = MutexBinding::open(mutex, fmt, ap);
  va_end(ap);
  return efd;
}

int evl_close_mutex(struct evl_mutex* mutex) { return MutexBinding::close(mutex); }

int evl_timedlock_mutex(struct evl_mutex* mutex, const struct timespec* timeout) {
  return MutexBinding::wait(mutex, timeout, [](Monitor* m, ThreadRecord* self, const Deadline& d) {
    MutexLock lock(&core_lock);
    return m->gate()->acquire(self, d);
  });
}

int evl_lock_mutex(struct evl_mutex* mutex) { return evl_timedlock_mutex(mutex, nullptr); }

int evl_trylock_mutex(struct evl_mutex* mutex) {
  return with_gate(
      mutex, [](Gate* g, ThreadRecord* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return g->try_acquire(self); });
}

int evl_unlock_mutex(struct evl_mutex* mutex) {
  if (mutex->magic != __MUTEX_ACTIVE_MAGIC) return mutex->magic == 0 ? -EBADF : -EINVAL;
  return with_gate(
      mutex, [](Gate* g, ThreadRecord* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return g->release(self); });
}

int evl_set_mutex_ceiling(struct evl_mutex* mutex, unsigned int ceiling) {
  if (!valid_ceiling(ceiling)) return -EINVAL;
  if (mutex->magic == __MUTEX_UNINIT_MAGIC) {
    if (mutex->u.uninit.ceiling == 0) return -EINVAL;
    mutex->u.uninit.ceiling = ceiling;
    return 0;
  }
  FileRef ref;
  Monitor* m;
  const int rc = active_monitor(mutex, __MUTEX_ACTIVE_MAGIC, EVL_MONITOR_GATE, EVL_GATE_PP, &ref, &m);
  if (rc < 0) return rc;
  MutexLock lock(&core_lock);
  m->gate()->set_ceiling(ceiling);
  return 0;
}

int evl_get_mutex_ceiling(struct evl_mutex* mutex) {
  if (mutex->magic == __MUTEX_UNINIT_MAGIC) return static_cast<int>(mutex->u.uninit.ceiling);
  FileRef ref;
  Monitor* m;
  const int rc = MutexBinding::active(mutex, &ref, &m);
  if (rc < 0) return rc;
  MutexLock lock(&core_lock);
  return m->protocol == EVL_GATE_PP ? static_cast<int>(m->gate()->ceiling()) : 0;
}

}  // extern "C"
