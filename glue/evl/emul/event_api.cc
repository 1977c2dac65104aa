// libevl's <evl/event.h> over the emulated core's gated event monitors.
#include <errno.h>
#include <stdarg.h>

#include "evl/event.h"
#include "glue/evl/emul/monitor_binding.h"
#include "glue/evl/emul/thread_element.h"

namespace oskit::evl::emul {
namespace {

struct EventTraits : EventMonitorTraits<struct evl_event, __EVENT_UNINIT_MAGIC, 0x6d1e6d1e, EVL_EVENT_GATED> {
  static int static_initval(const struct evl_event&) { return 0; }
};
using EventBinding = MonitorBinding<EventTraits>;

template <typename Op>
int with_event(struct evl_event* evt, Op op) {
  return EventBinding::locked(evt,
                              [&op](Monitor* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return op(m->event()); });
}

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;
using oskit::MutexLock;

extern "C" {

int evl_create_event(struct evl_event* evt, int clockfd, int flags, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int efd = EventBinding::create(evt, clockfd, 0, flags, fmt, ap);
  va_end(ap);
  return efd;
}

int evl_open_event(struct evl_event* evt, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int efd = EventBinding::open(evt, fmt, ap);
  va_end(ap);
  return efd;
}

int evl_close_event(struct evl_event* evt) { return EventBinding::close(evt); }

int evl_timedwait_event(struct evl_event* evt, struct evl_mutex* mutex, const struct timespec* timeout) {
  if (current_thread() == nullptr) return -EPERM;  // before the mutex is looked at
  FileRef gate_ref;
  Monitor* gate;
  const int rc = active_monitor(mutex, __MUTEX_ACTIVE_MAGIC, EVL_MONITOR_GATE, -1, &gate_ref, &gate);
  if (rc < 0) return rc;
  return EventBinding::wait(evt, timeout, [gate](Monitor* event, ThreadRecord* self, const Deadline& d) {
    MutexLock lock(&core_lock);
    return event->event()->wait(self, gate->gate(), d);
  });
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
