// libevl's <evl/sem.h> over the emulated core's counting event monitors.
#include <stdarg.h>

#include "evl/sem.h"
#include "glue/evl/emul/monitor_binding.h"

namespace oskit::evl::emul {
namespace {

struct SemTraits : EventMonitorTraits<struct evl_sem, __SEM_UNINIT_MAGIC, 0xcb13cb13, EVL_EVENT_COUNT> {
  static int static_initval(const struct evl_sem& sem) { return sem.u.uninit.initval; }
};
using SemBinding = MonitorBinding<SemTraits>;

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;

extern "C" {

int evl_create_sem(struct evl_sem* sem, int clockfd, int initval, int flags, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int efd = SemBinding::create(sem, clockfd, initval, flags, fmt, ap);
  va_end(ap);
  return efd;
}

int evl_open_sem(struct evl_sem* sem, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int efd = SemBinding::open(sem, fmt, ap);
  va_end(ap);
  return efd;
}

int evl_close_sem(struct evl_sem* sem) { return SemBinding::close(sem); }

int evl_timedget_sem(struct evl_sem* sem, const struct timespec* timeout) {
  return SemBinding::wait(sem, timeout, [](Monitor* m, ThreadRecord* self, const Deadline& d) {
    return with_monitor(
        m, [&](Monitor* mon) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return mon->event()->sem_get(self, d); });
  });
}

int evl_get_sem(struct evl_sem* sem) { return evl_timedget_sem(sem, nullptr); }

int evl_tryget_sem(struct evl_sem* sem) {
  return SemBinding::update(
      sem, [](Monitor* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return m->event()->sem_tryget(); });
}

int evl_put_sem(struct evl_sem* sem) {
  return SemBinding::update(sem, [](Monitor* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    m->event()->sem_put();
    return 0;
  });
}

int evl_peek_sem(struct evl_sem* sem, int* r_val) {
  return SemBinding::update(sem, [r_val](Monitor* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    *r_val = m->state.u.event.value;
    return 0;
  });
}

}  // extern "C"
