// The libevl C entry points of the emulation: initialisation, proxies and
// printing, and the test seams of glue/evl/emul/seams.h.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "evl/evl.h"
#include "glue/evl/emul/file.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/naming.h"
#include "glue/evl/emul/proxy_file.h"
#include "glue/evl/emul/real.h"
#include "glue/evl/emul/seams.h"

namespace oskit::evl::emul {
namespace {

constexpr size_t kStdBufsz = 16384;

int make_std_proxy(int target, const char* what) {
  return evl_new_proxy(target, kStdBufsz, "%s:%d", what, static_cast<int>(getpid()));
}

void close_std_proxies() {
  int out = proxy_outfd, err = proxy_errfd;
  proxy_outfd = proxy_errfd = -EBADF;
  if (out >= 0) close_file(out);
  if (err >= 0) close_file(err);
}

}  // namespace

int setup_std_proxies() {
  // Like libevl, a closed stdout or stderr leaves its proxy out.
  int out = make_std_proxy(fileno(stdout), "stdout");
  int err = make_std_proxy(fileno(stderr), "stderr");
  proxy_outfd = out >= 0 ? out : -EBADF;
  proxy_errfd = err >= 0 ? err : -EBADF;
  atexit(close_std_proxies);  // pending output reaches the files
  return 0;
}

}  // namespace oskit::evl::emul

extern "C" {

int proxy_outfd = -EBADF;
int proxy_errfd = -EBADF;

int evl_init(void) { return oskit::evl::emul::ensure_init(); }

struct evl_version evl_get_version(void) {
  struct evl_version v = {__EVL__, -1, "oskit-evl-emulation"};
  return v;
}

unsigned int evl_detect_fpu(void) { return 0; }

void evl_sigdebug_handler(int sig, siginfo_t* si, void* ctxt) {
  (void)sig;
  (void)ctxt;
  static const char* const kCauses[] = {
      nullptr,
      "switched inband (signal)\n",
      "switched inband (syscall)\n",
      "switched inband (fault)\n",
      "watchdog triggered\n",
      "switched inband while holding mutex\n",
      "mutex lock/unlock imbalance\n",
      "attempt to sleep while holding a mutex\n",
      "locked out from out-of-band stage (stax)\n",
  };
  if (!sigdebug_marked(si)) return;
  const unsigned int cause = static_cast<unsigned int>(sigdebug_cause(si));
  if (cause == 0 || cause >= sizeof kCauses / sizeof kCauses[0]) return;
  const ssize_t rc = oskit_evl_real_write(1, kCauses[cause], strlen(kCauses[cause]));
  (void)rc;
}

int evl_create_proxy(int targetfd, size_t bufsz, size_t granularity, int flags, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = oskit::evl::emul::create_proxy(targetfd, bufsz, granularity, flags, fmt, ap);
  va_end(ap);
  return rc;
}

ssize_t evl_send_proxy(int proxyfd, const void* buf, size_t count) {
  if (count == 0) return 0;
  ssize_t rc = evl_is_inband() ? oskit_evl_inband_write(proxyfd, buf, count) : oob_write(proxyfd, buf, count);
  return rc < 0 ? -errno : rc;
}

ssize_t evl_write_proxy(int proxyfd, const void* buf, size_t count) { return evl_send_proxy(proxyfd, buf, count); }

ssize_t evl_read_proxy(int proxyfd, void* buf, size_t count) {
  if (count == 0) return 0;
  ssize_t rc = evl_is_inband() ? oskit_evl_inband_read(proxyfd, buf, count) : oob_read(proxyfd, buf, count);
  return rc < 0 ? -errno : rc;
}

// Before evl_init() made the std proxies (proxyfd negative), libevl writes
// in-band to stderr, and fails with -EBADFD out-of-band.
ssize_t evl_vprint_proxy(int proxyfd, const char* fmt, va_list ap) {
  static thread_local char small[1024];
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(small, sizeof small, fmt, copy);
  va_end(copy);
  if (n < 0) return -EINVAL;
  oskit::evl::emul::Name big;
  const char* text = small;
  if (static_cast<size_t>(n) >= sizeof small) {
    if (int rc = oskit::evl::emul::vformat(&big, fmt, ap); rc < 0) return rc;
    text = big.data();
  }
  if (proxyfd >= 0) return evl_send_proxy(proxyfd, text, static_cast<size_t>(n));
  if (!evl_is_inband()) return -EBADFD;
  const ssize_t rc = write(2, text, static_cast<size_t>(n));
  return rc < 0 ? -errno : rc;
}

ssize_t evl_print_proxy(int proxyfd, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ssize_t rc = evl_vprint_proxy(proxyfd, fmt, ap);
  va_end(ap);
  return rc;
}

ssize_t evl_printf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ssize_t rc = evl_vprint_proxy(proxy_outfd, fmt, ap);
  va_end(ap);
  return rc;
}

ssize_t evl_eprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ssize_t rc = evl_vprint_proxy(proxy_errfd, fmt, ap);
  va_end(ap);
  return rc;
}

int evl_stdout(void) { return proxy_outfd; }
int evl_stderr(void) { return proxy_errfd; }

int oskit_evl_proxy_set_target_io(int proxyfd, const struct oskit_evl_target_io* io) {
  return oskit::evl::emul::proxy_set_io(proxyfd, io);
}

int oskit_evl_proxy_get_stats(int proxyfd, struct oskit_evl_proxy_stats* stats) {
  return oskit::evl::emul::proxy_stats(proxyfd, stats);
}

int oskit_evl_proxy_hold_awake(int proxyfd, int on) { return oskit::evl::emul::proxy_hold_awake(proxyfd, on != 0); }

}  // extern "C"
