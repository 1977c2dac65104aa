#include "glue/evl/emul/deadline.h"

#include <errno.h>

#include "glue/env/osenv.h"
#include "glue/evl/driver.h"

namespace oskit::evl::emul {
namespace {

constexpr long kBillion = 1000000000;

long long to_ns(const struct timespec& ts) { return ts.tv_sec * 1000000000LL + ts.tv_nsec; }

struct timespec from_ns(long long ns) {
  if (ns < 0) ns = 0;
  return {static_cast<time_t>(ns / kBillion), static_cast<long>(ns % kBillion)};
}

}  // namespace

int read_clock(clockid_t clock, struct timespec* ts) {
  if (clock != CLOCK_MONOTONIC) return clock_gettime(clock, ts) == 0 ? 0 : -errno;
  *ts = from_ns(oskit_env_now());
  return 0;
}

struct timespec monotonic_now() {
  return from_ns(oskit_env_now());
}

struct timespec Deadline::monotonic() const {
  if (clock == CLOCK_MONOTONIC) return at;
  struct timespec now_clock;
  read_clock(clock, &now_clock);
  const struct timespec now_mono = monotonic_now();
  return from_ns(to_ns(now_mono) + to_ns(at) - to_ns(now_clock));
}

bool valid_timespec(const struct timespec& ts) { return ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < kBillion; }

int user_deadline(clockid_t clock, const struct timespec* timeout, Deadline* out) {
  *out = Deadline::none();
  if (timeout == nullptr) return 0;
  if (oskit_evl_check_user(timeout, sizeof *timeout) != 0) return -EFAULT;
  if (!valid_timespec(*timeout)) return -EINVAL;
  if (timeout->tv_sec == 0 && timeout->tv_nsec == 0) return 0;
  *out = Deadline::on(clock, *timeout);
  return 0;
}

}  // namespace oskit::evl::emul
