// libevl's <evl/clock.h>: the built-in EVL clocks are the installed
// environment's clock (EVL_CLOCK_MONOTONIC, glue/env) and the host's
// CLOCK_REALTIME; sleeping is a wait of the emulated core,
// ended early by evl_unblock_thread().
#include <errno.h>
#include <time.h>

#include "evl/clock.h"
#include "glue/evl/driver.h"
#include "glue/evl/emul/deadline.h"
#include "glue/evl/emul/monitor.h"
#include "glue/evl/emul/stage_tracking.h"
#include "glue/evl/emul/thread_record.h"
#include "glue/evl/emul/wait_queue.h"

namespace oskit::evl::emul {
namespace {

constexpr long kBillion = 1000000000;

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;
using oskit::MutexLock;

extern "C" {

int evl_read_clock(int clockfd, struct timespec* tp) {
  clockid_t clock;
  if (clock_of(clockfd, &clock) < 0) return -EINVAL;
  if (oskit_evl_check_user(tp, sizeof *tp) != 0) return -EFAULT;
  return read_clock(clock, tp);
}

int evl_set_clock(int clockfd, const struct timespec* tp) {
  clockid_t clock;
  if (clock_of(clockfd, &clock) < 0) return -EINVAL;
  if (oskit_evl_check_user(tp, sizeof *tp) != 0) return -EFAULT;
  return clock_settime(clock, tp) == 0 ? 0 : -errno;
}

int evl_get_clock_resolution(int clockfd, struct timespec* tp) {
  clockid_t clock;
  if (clock_of(clockfd, &clock) < 0) return -EINVAL;
  if (oskit_evl_check_user(tp, sizeof *tp) != 0) return -EFAULT;
  return clock_getres(clock, tp) == 0 ? 0 : -errno;
}

int evl_sleep_until(int clockfd, const struct timespec* timeout) {
  ThreadRecord* self = current_thread();
  if (self == nullptr) return -EPERM;
  clockid_t clock;
  if (clock_of(clockfd, &clock) < 0) return -EINVAL;
  if (oskit_evl_check_user(timeout, sizeof *timeout) != 0) return -EFAULT;
  if (!valid_timespec(*timeout)) return -EINVAL;
  enter_oob();
  MutexLock lock(&core_lock);
  Waiter w(self);
  const int rc = block(w, Deadline::on(clock, *timeout));
  return rc == -ETIMEDOUT ? 0 : rc;
}

int evl_usleep(__useconds_t usecs) {
  if (usecs < 1 || usecs > 1000000) return -EINVAL;
  struct timespec at = monotonic_now();
  at.tv_nsec += static_cast<long>(usecs) * 1000;
  if (at.tv_nsec >= kBillion) {
    at.tv_sec++;
    at.tv_nsec -= kBillion;
  }
  return evl_sleep_until(EVL_CLOCK_MONOTONIC, &at);
}

}  // extern "C"
