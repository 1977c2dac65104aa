#include "glue/evl/emul/stage_tracking.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <atomic>

#include "glue/env/env.h"
#include "glue/evl/emul/thread_element.h"
#include "uapi/evl/thread.h"

namespace oskit::evl::emul {
namespace {

thread_local ThreadState tls_state = {OSKIT_EVL_STAGE_UNATTACHED, -1, 0, {0}};
std::atomic<unsigned long> g_violations{0};

int initial_action() {
  const char* v = getenv("OSKIT_EVL_STAGE_VIOLATION");
  if (v == nullptr) return OSKIT_EVL_STAGE_COUNT;
  if (strcmp(v, "log") == 0) return OSKIT_EVL_STAGE_LOG;
  if (strcmp(v, "abort") == 0) return OSKIT_EVL_STAGE_ABORT;
  return OSKIT_EVL_STAGE_COUNT;
}

std::atomic<int>& action() {
  static std::atomic<int> a{initial_action()};
  return a;
}

}  // namespace

ThreadState& self() { return tls_state; }

void inband_syscall(const char* what) {
  ThreadState& t = tls_state;
  if (t.stage != OSKIT_EVL_STAGE_OOB) return;
  t.stage = OSKIT_EVL_STAGE_INBAND;
  switched_inband(EVL_HMDIAG_SYSDEMOTE);
  t.violations++;
  g_violations.fetch_add(1, std::memory_order_relaxed);
  int act = action().load(std::memory_order_relaxed);
  if (act == OSKIT_EVL_STAGE_COUNT) return;
  oskit::env::logf(oskit::env::LogLevel::kWarning, "evl: stage violation: in-band %s from out-of-band thread '%s'",
                   what, t.name);
  if (act == OSKIT_EVL_STAGE_ABORT) abort();
}

}  // namespace oskit::evl::emul

extern "C" {

unsigned long oskit_evl_stage_violations(void) {
  return oskit::evl::emul::g_violations.load(std::memory_order_relaxed);
}

unsigned long oskit_evl_stage_thread_violations(void) { return oskit::evl::emul::tls_state.violations; }

void oskit_evl_stage_reset(void) {
  oskit::evl::emul::g_violations.store(0, std::memory_order_relaxed);
  oskit::evl::emul::tls_state.violations = 0;
}

int oskit_evl_stage_set_action(int a) {
  if (a < OSKIT_EVL_STAGE_COUNT || a > OSKIT_EVL_STAGE_ABORT) return -EINVAL;
  return oskit::evl::emul::action().exchange(a);
}

int oskit_evl_stage_current(void) { return oskit::evl::emul::tls_state.stage; }

}  // extern "C"
