// An out-of-band control loop in a few lines: the loopback sample device as an
// oob device component (stream + devctl), and printf-style logging to stdout
// through the EVL proxy component. The loop runs on an EVL thread and makes no
// in-band system call; the program prints the stage violations it counted.
#include <stdio.h>

#include <evl/evl.h>

#include "components/evl_proxy/logger.h"
#include "components/oob_device/oob_device.h"
#include "glue/devctl/devctl_server.h"
#include "glue/evl/evl_thread.h"
#include "glue/evl/loopback.h"
#include "glue/evl/stage.h"
#include "oskit/io/devctl.h"

namespace {

using oskit::ComPtr;

// Sends a few samples through the device and reports on each from out-of-band.
void control_loop(oskit_stream* dev, oskit_devctl* ctl, oskit::evl::Logger* log) {
  for (unsigned i = 0; i < 5; ++i) {
    char sample[16];
    int len = snprintf(sample, sizeof sample, "sample-%u", i);
    oskit_u32_t n = 0;
    oskit_error_t rc = dev->write(sample, static_cast<oskit_u32_t>(len), &n);
    if (rc == 0) rc = dev->read(sample, sizeof sample - 1, &n);
    if (rc != 0) {
      log->printf("transfer failed: %s\n", oskit_error_string(rc));
      return;
    }
    sample[n] = '\0';
    oskit_loopback_xchg x = {i, 0};
    rc = ctl->devctl(oskit_devctl_from_ioc(OSKIT_LOOPBACK_XCHG), &x, sizeof x, nullptr, nullptr);
    log->printf("%s came back; xchg %u -> %llu (%s)\n", sample, i, static_cast<unsigned long long>(x.out),
                oskit_error_string(rc));
  }
  oskit_loopback_stats st = {};
  oskit_error_t rc = ctl->devctl(oskit_devctl_from_ioc(OSKIT_LOOPBACK_GET_STATS), &st, sizeof st, nullptr, nullptr);
  log->printf("device stats: %llu bytes written, %llu read (%s)\n", static_cast<unsigned long long>(st.bytes_written),
              static_cast<unsigned long long>(st.bytes_read), oskit_error_string(rc));
}

}  // namespace

int main() {
  if (evl_init() != 0 || oskit_loopback_register("example-loop", 0) != 0) {
    fprintf(stderr, "cannot set up the EVL emulation\n");
    return 1;
  }
  ComPtr<oskit_stream> dev;
  oskit_error_t rc = oskit_oob_device_open("example-loop", OSKIT_OOB_DEVICE_RDWR, dev.put());
  ComPtr<oskit_devctl> ctl = oskit::query<oskit_devctl>(dev);
  std::unique_ptr<oskit::evl::Logger> log;
  if (rc == 0) rc = oskit::evl::Logger::open(1, 1 << 16, nullptr, &log);
  if (rc != 0 || !ctl) {
    fprintf(stderr, "cannot open the device or the logger: %s\n", oskit_error_string(rc));
    return 1;
  }
  unsigned long violations = 0;
  auto thread = oskit::evl::start_evl_thread("example-control", [&] {
    oskit_evl_stage_reset();
    control_loop(dev.get(), ctl.get(), log.get());
    violations = oskit_evl_stage_thread_violations();
  });
  if (!thread.ok()) {
    fprintf(stderr, "%s\n", thread.status().ToString().c_str());
    return 1;
  }
  (*thread)->join();
  log.reset();  // closing the proxy writes out what it still holds
  printf("stage violations in the control loop: %lu\n", violations);
  return violations == 0 ? 0 : 1;
}
