// libevl's <evl/event.h> over the emulated core's gated event monitors.
#include <errno.h>
#include <stdarg.h>
#include <unistd.h>

#include "evl/event.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/monitor.h"
#include "glue/evl/emul/stage_tracking.h"
#include "glue/evl/emul/thread_element.h"

namespace oskit::evl::emul {
namespace {

constexpr unsigned int kActive = 0x6d1e6d1e;

int create(struct evl_event* evt, int clockfd, int flags, const char* fmt, va_list ap) {
  if (!initialised()) return -ENXIO;  // libevl needs evl_init() for monitors
  Monitor* m;
  const int efd = create_monitor(EVL_MONITOR_EVENT, EVL_EVENT_GATED, clockfd, 0, flags, false, fmt, ap, &m);
  if (efd >= 0) bind_monitor(evt, kActive, m, efd);
  return efd;
}

int create_static(struct evl_event* evt, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int rc = create(evt, evt->u.uninit.clockfd, evt->u.uninit.flags, fmt, ap);
  va_end(ap);
  return rc;
}

int resolve(struct evl_event* evt, FileRef* ref, Monitor** m) {
  if (evt->magic == __EVENT_UNINIT_MAGIC) {
    const int rc = create_static(evt, evt->u.uninit.name);
    if (rc < 0) return rc;
  }
  return active_monitor(evt, kActive, EVL_MONITOR_EVENT, EVL_EVENT_GATED, ref, m);
}

template <typename Op>
int with_event(struct evl_event* evt, Op op) {
  FileRef ref;
  Monitor* m;
  const int rc = resolve(evt, &ref, &m);
  if (rc < 0) return rc;
  MutexLock lock(&core_lock);
  return op(m->event());
}

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;
using oskit::MutexLock;

extern "C" {

int evl_create_event(struct evl_event* evt, int clockfd, int flags, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int rc = create(evt, clockfd, flags, fmt, ap);
  va_end(ap);
  return rc;
}

int evl_open_event(struct evl_event* evt, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  Monitor* m;
  const int efd = open_monitor(fmt, ap, &m);
  va_end(ap);
  if (efd < 0) return efd;
  if (m->kind != EVL_MONITOR_EVENT || m->protocol != EVL_EVENT_GATED) {
    close(efd);
    return -EINVAL;
  }
  bind_monitor(evt, kActive, m, efd);
  return efd;
}

int evl_close_event(struct evl_event* evt) {
  return evt->magic == __EVENT_UNINIT_MAGIC ? 0 : close_monitor(evt, kActive);
}

int evl_timedwait_event(struct evl_event* evt, struct evl_mutex* mutex, const struct timespec* timeout) {
  ThreadRecord* self = current_thread();
  if (self == nullptr) return -EPERM;
  FileRef event_ref, gate_ref;
  Monitor* event;
  Monitor* gate;
  int rc = active_monitor(mutex, __MUTEX_ACTIVE_MAGIC, EVL_MONITOR_GATE, -1, &gate_ref, &gate);
  if (rc < 0) return rc;
  rc = resolve(evt, &event_ref, &event);
  if (rc < 0) return rc;
  Deadline d;
  rc = user_deadline(event->clock, timeout, &d);
  if (rc < 0) return rc;
  enter_oob();
  MutexLock lock(&core_lock);
  return event->event()->wait(self, gate->gate(), d);
}

int evl_wait_event(struct evl_event* evt, struct evl_mutex* mutex) { return evl_timedwait_event(evt, mutex, nullptr); }

int evl_signal_event(struct evl_event* evt) {
  return with_event(evt, [](EventMonitor* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    e->signal(false);
    return 0;
  });
}

int evl_broadcast_event(struct evl_event* evt) {
  return with_event(evt, [](EventMonitor* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    e->signal(true);
    return 0;
  });
}

int evl_signal_thread(struct evl_event* evt, int thrfd) {
  FileRef thread_ref;
  ThreadRecord* target = thread_of(thrfd, &thread_ref);
  if (target == nullptr) return -EBADF;
  return with_event(
      evt, [target](EventMonitor* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return e->signal_thread(target); });
}

}  // extern "C"
