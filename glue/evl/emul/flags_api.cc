// libevl's <evl/flags.h> over the emulated core's bit-mask event monitors.
#include <errno.h>
#include <stdarg.h>
#include <unistd.h>

#include "evl/flags.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/monitor.h"
#include "glue/evl/emul/stage_tracking.h"

namespace oskit::evl::emul {
namespace {

constexpr unsigned int kActive = 0xb42bb42b;

int create(struct evl_flags* flg, int clockfd, int initval, int flags, const char* fmt, va_list ap) {
  if (!initialised()) return -ENXIO;  // libevl needs evl_init() for monitors
  Monitor* m;
  const int efd = create_monitor(EVL_MONITOR_EVENT, EVL_EVENT_MASK, clockfd, initval, flags, false, fmt, ap, &m);
  if (efd >= 0) bind_monitor(flg, kActive, m, efd);
  return efd;
}

int create_static(struct evl_flags* flg, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int rc = create(flg, flg->u.uninit.clockfd, flg->u.uninit.initval, flg->u.uninit.flags, fmt, ap);
  va_end(ap);
  return rc;
}

int resolve(struct evl_flags* flg, FileRef* ref, Monitor** m) {
  if (flg->magic == __FLAGS_UNINIT_MAGIC) {
    const int rc = create_static(flg, flg->u.uninit.name);
    if (rc < 0) return rc;
  }
  return active_monitor(flg, kActive, EVL_MONITOR_EVENT, EVL_EVENT_MASK, ref, m);
}

template <typename Op>
int with_flags(struct evl_flags* flg, Op op) {
  FileRef ref;
  Monitor* m;
  const int rc = resolve(flg, &ref, &m);
  return rc < 0 ? rc : with_monitor(m, op);
}

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;
using oskit::MutexLock;

extern "C" {

int evl_create_flags(struct evl_flags* flg, int clockfd, int initval, int flags, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int rc = create(flg, clockfd, initval, flags, fmt, ap);
  va_end(ap);
  return rc;
}

int evl_open_flags(struct evl_flags* flg, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  Monitor* m;
  const int efd = open_monitor(fmt, ap, &m);
  va_end(ap);
  if (efd < 0) return efd;
  if (m->kind != EVL_MONITOR_EVENT || m->protocol != EVL_EVENT_MASK) {
    close(efd);
    return -EINVAL;
  }
  bind_monitor(flg, kActive, m, efd);
  return efd;
}

int evl_close_flags(struct evl_flags* flg) {
  return flg->magic == __FLAGS_UNINIT_MAGIC ? 0 : close_monitor(flg, kActive);
}

int evl_timedwait_flags(struct evl_flags* flg, const struct timespec* timeout, int* r_bits) {
  ThreadRecord* self = current_thread();
  if (self == nullptr) return -EPERM;
  FileRef ref;
  Monitor* m;
  int rc = resolve(flg, &ref, &m);
  if (rc < 0) return rc;
  Deadline d;
  rc = user_deadline(m->clock, timeout, &d);
  if (rc < 0) return rc;
  enter_oob();
  return with_monitor(m, [&](Monitor* mon) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    return mon->event()->flags_wait(self, d, r_bits);
  });
}

int evl_wait_flags(struct evl_flags* flg, int* r_bits) { return evl_timedwait_flags(flg, nullptr, r_bits); }

int evl_trywait_flags(struct evl_flags* flg, int* r_bits) {
  return with_flags(
      flg, [r_bits](Monitor* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return m->event()->flags_trywait(r_bits); });
}

int evl_post_flags(struct evl_flags* flg, int bits) {
  if (bits == 0) return -EINVAL;
  FileRef ref;
  Monitor* m;
  const int rc = resolve(flg, &ref, &m);
  if (rc < 0) return rc;
  with_monitor(m, [bits](Monitor* mon) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    mon->event()->flags_post(bits);
    return 0;
  });
  // The waiter is woken once pollers have been told, so that the poster
  // returns before the waiter takes the bits, as it would from the core.
  MutexLock lock(&core_lock);
  m->event()->flags_wake();
  return 0;
}

int evl_peek_flags(struct evl_flags* flg, int* r_bits) {
  // A read of the shared state, without the core, as libevl does.
  FileRef ref;
  Monitor* m;
  const int rc = resolve(flg, &ref, &m);
  if (rc < 0) return rc;
  *r_bits = __atomic_load_n(&m->state.u.event.value, __ATOMIC_ACQUIRE);
  return 0;
}

}  // extern "C"
