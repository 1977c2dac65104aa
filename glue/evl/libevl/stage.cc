// Stage tracking over a real libevl: the EVL core raises SIGDEBUG when an
// out-of-band thread issues an in-band system call (with T_WOSS set); the
// handler counts it and applies the configured action.
#include "glue/evl/stage.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atomic>

#include <evl/evl.h>
#include <evl/thread.h>

namespace {

std::atomic<unsigned long> g_violations{0};
thread_local unsigned long tls_violations = 0;

int initial_action() {
  const char* v = getenv("OSKIT_EVL_STAGE_VIOLATION");
  if (v != nullptr && strcmp(v, "log") == 0) return OSKIT_EVL_STAGE_LOG;
  if (v != nullptr && strcmp(v, "abort") == 0) return OSKIT_EVL_STAGE_ABORT;
  return OSKIT_EVL_STAGE_COUNT;
}

std::atomic<int> g_action{initial_action()};

void on_sigdebug(int sig, siginfo_t* si, void* ctx) {
  g_violations.fetch_add(1, std::memory_order_relaxed);
  tls_violations++;
  int act = g_action.load(std::memory_order_relaxed);
  if (act == OSKIT_EVL_STAGE_LOG) evl_sigdebug_handler(sig, si, ctx);
  if (act == OSKIT_EVL_STAGE_ABORT) abort();
}

struct Installer {
  Installer() {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigdebug;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGDEBUG, &sa, nullptr);
  }
} g_installer;

}  // namespace

extern "C" {

unsigned long oskit_evl_stage_violations(void) { return g_violations.load(std::memory_order_relaxed); }
unsigned long oskit_evl_stage_thread_violations(void) { return tls_violations; }

void oskit_evl_stage_reset(void) {
  g_violations.store(0, std::memory_order_relaxed);
  tls_violations = 0;
}

int oskit_evl_stage_set_action(int action) {
  if (action < OSKIT_EVL_STAGE_COUNT || action > OSKIT_EVL_STAGE_ABORT) return -EINVAL;
  return g_action.exchange(action);
}

int oskit_evl_stage_current(void) {
  if (evl_get_self() < 0) return OSKIT_EVL_STAGE_UNATTACHED;
  return evl_is_inband() ? OSKIT_EVL_STAGE_INBAND : OSKIT_EVL_STAGE_OOB;
}

}  // extern "C"
