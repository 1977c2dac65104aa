// libevl's <evl/sched.h> control calls. The emulated core schedules through
// the host's SCHED_FIFO, SCHED_RR and normal policies only: it has no
// SCHED_QUOTA or SCHED_TP class (-EOPNOTSUPP, as a core built without them
// answers). Every online CPU runs out-of-band work.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "evl/sched.h"
#include "glue/evl/driver.h"
#include "glue/evl/emul/library.h"

namespace oskit::evl::emul {
namespace {

// The first line of a sysfs file, empty if it cannot be read.
std::string sysfs_line(const std::string& path) {
  FILE* f = fopen(path.c_str(), "re");
  if (f == nullptr) return std::string();
  char buf[4096];
  const bool ok = fgets(buf, sizeof buf, f) != nullptr;
  fclose(f);
  return ok ? std::string(buf, strcspn(buf, "\n")) : std::string();
}

// Whether cpu is in a CPU list such as "0-3,8".
bool in_cpu_list(const std::string& list, int cpu) {
  const char* p = list.c_str();
  while (*p != '\0') {
    char* end;
    const long first = strtol(p, &end, 10);
    if (end == p) return false;
    long last = first;
    if (*end == '-') {
      p = end + 1;
      last = strtol(p, &end, 10);
    }
    if (cpu >= first && cpu <= last) return true;
    p = *end == ',' ? end + 1 : end;
    if (*end != ',') break;
  }
  return false;
}

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;

extern "C" {

int evl_control_sched(int policy, const union evl_sched_ctlparam* param, union evl_sched_ctlinfo* info, int cpu) {
  (void)param;
  (void)info;
  (void)cpu;
  if (!initialised()) return -ENXIO;
  switch (policy) {
    case SCHED_QUOTA:
    case SCHED_TP:
      return -EOPNOTSUPP;
    default:
      return -EINVAL;
  }
}

int evl_get_cpustate(int cpu, int* state_r) {
  if (!initialised()) return -ENXIO;
  if (cpu < 0 || cpu >= sysconf(_SC_NPROCESSORS_CONF)) return -EINVAL;
  if (oskit_evl_check_user(state_r, sizeof *state_r) != 0) return -EFAULT;
  const std::string base = "/sys/devices/system/cpu/";
  const std::string online = sysfs_line(base + "online");
  int state = 0;
  if (!online.empty() && !in_cpu_list(online, cpu)) {
    state |= EVL_CPU_OFFLINE;
  } else {
    state |= EVL_CPU_OOB;
  }
  if (in_cpu_list(sysfs_line(base + "isolated"), cpu)) state |= EVL_CPU_ISOL;
  *state_r = state;
  return 0;
}

}  // extern "C"
