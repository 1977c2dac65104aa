// Absolute timeouts on an EVL clock, as libevl passes them: an all-zero
// timespec means none.
#ifndef GLUE_EVL_EMUL_DEADLINE_H
#define GLUE_EVL_EMUL_DEADLINE_H

#include <time.h>

namespace oskit::evl::emul {

struct Deadline {
  clockid_t clock = CLOCK_MONOTONIC;
  struct timespec at = {0, 0};
  bool infinite = true;

  static Deadline none() { return Deadline(); }
  static Deadline on(clockid_t clock, const struct timespec& at) {
    Deadline d;
    d.clock = clock;
    d.at = at;
    d.infinite = false;
    return d;
  }
  // The same instant as an absolute CLOCK_MONOTONIC time (a CLOCK_REALTIME
  // deadline is converted when the wait begins).
  struct timespec monotonic() const;
};

// Reads clock. The emulation's CLOCK_MONOTONIC (EVL_CLOCK_MONOTONIC) is the
// installed environment's clock (glue/env), which a harness may move; other
// clocks are the host's. 0 or -errno.
int read_clock(clockid_t clock, struct timespec* ts);
// The emulation's CLOCK_MONOTONIC now.
struct timespec monotonic_now();

// A valid timespec: 0 <= tv_nsec < 1e9 and tv_sec >= 0.
bool valid_timespec(const struct timespec& ts);

// The deadline libevl means by timeout on clock (NULL or all-zero: none).
// Returns 0 or -EINVAL (malformed), -EFAULT (bad pointer).
int user_deadline(clockid_t clock, const struct timespec* timeout, Deadline* out);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_DEADLINE_H
