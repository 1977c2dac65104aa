#include "glue/evl/emul/sleep.h"

#include <errno.h>
#include <time.h>

namespace oskit::evl::emul {

void sleep_ns(long ns) {
  struct timespec ts = {ns / 1000000000, ns % 1000000000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

}  // namespace oskit::evl::emul
