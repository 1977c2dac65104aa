// libevl's <evl/sem.h> over the emulated core's counting event monitors.
#include <errno.h>
#include <stdarg.h>
#include <unistd.h>

#include "evl/sem.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/monitor.h"
#include "glue/evl/emul/stage_tracking.h"

namespace oskit::evl::emul {
namespace {

constexpr unsigned int kActive = 0xcb13cb13;

int create(struct evl_sem* sem, int clockfd, int initval, int flags, const char* fmt, va_list ap) {
  if (!initialised()) return -ENXIO;  // libevl needs evl_init() for monitors
  Monitor* m;
  const int efd = create_monitor(EVL_MONITOR_EVENT, EVL_EVENT_COUNT, clockfd, initval, flags, false, fmt, ap, &m);
  if (efd >= 0) bind_monitor(sem, kActive, m, efd);
  return efd;
}

int create_static(struct evl_sem* sem, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int rc = create(sem, sem->u.uninit.clockfd, sem->u.uninit.initval, sem->u.uninit.flags, fmt, ap);
  va_end(ap);
  return rc;
}

// The semaphore's monitor, created first if it was statically initialised.
int resolve(struct evl_sem* sem, FileRef* ref, Monitor** m) {
  if (sem->magic == __SEM_UNINIT_MAGIC) {
    const int rc = create_static(sem, sem->u.uninit.name);
    if (rc < 0) return rc;
  }
  return active_monitor(sem, kActive, EVL_MONITOR_EVENT, EVL_EVENT_COUNT, ref, m);
}

template <typename Op>
int with_sem(struct evl_sem* sem, Op op) {
  FileRef ref;
  Monitor* m;
  const int rc = resolve(sem, &ref, &m);
  return rc < 0 ? rc : with_monitor(m, op);
}

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;
using oskit::MutexLock;

extern "C" {

int evl_create_sem(struct evl_sem* sem, int clockfd, int initval, int flags, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int rc = create(sem, clockfd, initval, flags, fmt, ap);
  va_end(ap);
  return rc;
}

int evl_open_sem(struct evl_sem* sem, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  Monitor* m;
  const int efd = open_monitor(fmt, ap, &m);
  va_end(ap);
  if (efd < 0) return efd;
  if (m->kind != EVL_MONITOR_EVENT || m->protocol != EVL_EVENT_COUNT) {
    close(efd);
    return -EINVAL;
  }
  bind_monitor(sem, kActive, m, efd);
  return efd;
}

int evl_close_sem(struct evl_sem* sem) { return sem->magic == __SEM_UNINIT_MAGIC ? 0 : close_monitor(sem, kActive); }

int evl_timedget_sem(struct evl_sem* sem, const struct timespec* timeout) {
  ThreadRecord* self = current_thread();
  if (self == nullptr) return -EPERM;
  FileRef ref;
  Monitor* m;
  int rc = resolve(sem, &ref, &m);
  if (rc < 0) return rc;
  Deadline d;
  rc = user_deadline(m->clock, timeout, &d);
  if (rc < 0) return rc;
  enter_oob();
  return with_monitor(
      m, [&](Monitor* mon) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return mon->event()->sem_get(self, d); });
}

int evl_get_sem(struct evl_sem* sem) { return evl_timedget_sem(sem, nullptr); }

int evl_tryget_sem(struct evl_sem* sem) {
  return with_sem(sem, [](Monitor* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return m->event()->sem_tryget(); });
}

int evl_put_sem(struct evl_sem* sem) {
  return with_sem(sem, [](Monitor* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    m->event()->sem_put();
    return 0;
  });
}

int evl_peek_sem(struct evl_sem* sem, int* r_val) {
  return with_sem(sem, [r_val](Monitor* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    *r_val = m->state.u.event.value;
    return 0;
  });
}

}  // extern "C"
