// libevl's <evl/mutex.h> over the emulated core's gates.
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <unistd.h>

#include "evl/mutex.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/monitor.h"
#include "glue/evl/emul/stage_tracking.h"

namespace oskit::evl::emul {
namespace {

bool valid_ceiling(unsigned int ceiling) {
  const int max = sched_get_priority_max(SCHED_FIFO);
  return ceiling > 0 && max > 0 && ceiling <= static_cast<unsigned int>(max);
}

int create(struct evl_mutex* mutex, int clockfd, unsigned int ceiling, int flags, const char* fmt, va_list ap) {
  if (!initialised()) return -ENXIO;  // libevl needs evl_init() for monitors
  const int protocol = ceiling != 0 ? EVL_GATE_PP : EVL_GATE_PI;
  if (protocol == EVL_GATE_PP && !valid_ceiling(ceiling)) return -EINVAL;
  Monitor* m;
  const int efd = create_monitor(EVL_MONITOR_GATE, protocol, clockfd, static_cast<int>(ceiling),
                                 flags & ~EVL_MUTEX_RECURSIVE, (flags & EVL_MUTEX_RECURSIVE) != 0, fmt, ap, &m);
  if (efd < 0) return efd;
  bind_monitor(mutex, __MUTEX_ACTIVE_MAGIC, m, efd);
  mutex->u.active.monitor = EVL_MONITOR_GATE;
  mutex->u.active.protocol = protocol;
  return efd;
}

int create_static(struct evl_mutex* mutex, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int rc = create(mutex, mutex->u.uninit.clockfd, mutex->u.uninit.ceiling, mutex->u.uninit.flags, fmt, ap);
  va_end(ap);
  return rc;
}

int resolve(struct evl_mutex* mutex, FileRef* ref, Monitor** m) {
  if (mutex->magic == __MUTEX_UNINIT_MAGIC) {
    const int rc = create_static(mutex, mutex->u.uninit.name);
    if (rc < 0) return rc;
  }
  return active_monitor(mutex, __MUTEX_ACTIVE_MAGIC, EVL_MONITOR_GATE, -1, ref, m);
}

// Runs op on the gate for an attached caller.
template <typename Op>
int with_gate(struct evl_mutex* mutex, Op op) {
  ThreadRecord* self = current_thread();
  if (self == nullptr) return -EPERM;
  FileRef ref;
  Monitor* m;
  const int rc = resolve(mutex, &ref, &m);
  if (rc < 0) return rc;
  MutexLock lock(&core_lock);
  return op(m->gate(), self);
}

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;
using oskit::MutexLock;

extern "C" {

int evl_create_mutex(struct evl_mutex* mutex, int clockfd, unsigned int ceiling, int flags, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int rc = create(mutex, clockfd, ceiling, flags, fmt, ap);
  va_end(ap);
  return rc;
}

int evl_open_mutex(struct evl_mutex* mutex, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  Monitor* m;
  const int efd = open_monitor(fmt, ap, &m);
  va_end(ap);
  if (efd < 0) return efd;
  if (m->kind != EVL_MONITOR_GATE) {
    close(efd);
    return -EINVAL;
  }
  bind_monitor(mutex, __MUTEX_ACTIVE_MAGIC, m, efd);
  mutex->u.active.monitor = EVL_MONITOR_GATE;
  mutex->u.active.protocol = m->protocol;
  return efd;
}

int evl_close_mutex(struct evl_mutex* mutex) {
  return mutex->magic == __MUTEX_UNINIT_MAGIC ? 0 : close_monitor(mutex, __MUTEX_ACTIVE_MAGIC);
}

int evl_timedlock_mutex(struct evl_mutex* mutex, const struct timespec* timeout) {
  ThreadRecord* self = current_thread();
  if (self == nullptr) return -EPERM;
  FileRef ref;
  Monitor* m;
  int rc = resolve(mutex, &ref, &m);
  if (rc < 0) return rc;
  Deadline d;
  rc = user_deadline(m->clock, timeout, &d);
  if (rc < 0) return rc;
  enter_oob();
  MutexLock lock(&core_lock);
  return m->gate()->acquire(self, d);
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
  const int rc = active_monitor(mutex, __MUTEX_ACTIVE_MAGIC, EVL_MONITOR_GATE, -1, &ref, &m);
  if (rc < 0) return rc;
  MutexLock lock(&core_lock);
  return m->protocol == EVL_GATE_PP ? static_cast<int>(m->gate()->ceiling()) : 0;
}

}  // extern "C"
