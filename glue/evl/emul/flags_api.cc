// libevl's <evl/flags.h> over the emulated core's bit-mask event monitors.
#include <errno.h>
#include <stdarg.h>

#include "evl/flags.h"
#include "glue/evl/emul/monitor_binding.h"

namespace oskit::evl::emul {
namespace {

struct FlagsTraits : EventMonitorTraits<struct evl_flags, __FLAGS_UNINIT_MAGIC, 0xb42bb42b, EVL_EVENT_MASK> {
  static int static_initval(const struct evl_flags& flg) { return flg.u.uninit.initval; }
};
using FlagsBinding = MonitorBinding<FlagsTraits>;

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;
using oskit::MutexLock;

extern "C" {

int evl_create_flags(struct evl_flags* flg, int clockfd, int initval, int flags, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int efd = FlagsBinding::create(flg, clockfd, initval, flags, fmt, ap);
  va_end(ap);
  return efd;
}

int evl_open_flags(struct evl_flags* flg, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int efd = FlagsBinding::open(flg, fmt, ap);
  va_end(ap);
  return efd;
}

int evl_close_flags(struct evl_flags* flg) { return FlagsBinding::close(flg); }

int evl_timedwait_flags(struct evl_flags* flg, const struct timespec* timeout, int* r_bits) {
  return FlagsBinding::wait(flg, timeout, [r_bits](Monitor* m, ThreadRecord* self, const Deadline& d) {
    return with_monitor(m, [&](Monitor* mon) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
      return mon->event()->flags_wait(self, d, r_bits);
    });
  });
}

int evl_wait_flags(struct evl_flags* flg, int* r_bits) { return evl_timedwait_flags(flg, nullptr, r_bits); }

int evl_trywait_flags(struct evl_flags* flg, int* r_bits) {
  return FlagsBinding::update(
      flg, [r_bits](Monitor* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return m->event()->flags_trywait(r_bits); });
}

int evl_post_flags(struct evl_flags* flg, int bits) {
  if (bits == 0) return -EINVAL;
  return FlagsBinding::apply(flg, [bits](Monitor* m) {
    with_monitor(m, [bits](Monitor* mon) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
      mon->event()->flags_post(bits);
      return 0;
    });
    // The waiter is woken once pollers have been told, so that the poster
    // returns before the waiter takes the bits, as it would from the core.
    MutexLock lock(&core_lock);
    m->event()->flags_wake();
    return 0;
  });
}

int evl_peek_flags(struct evl_flags* flg, int* r_bits) {
  // A read of the shared state, without the core, as libevl does.
  return FlagsBinding::apply(flg, [r_bits](Monitor* m) {
    *r_bits = __atomic_load_n(&m->state.u.event.value, __ATOMIC_ACQUIRE);
    return 0;
  });
}

}  // extern "C"
