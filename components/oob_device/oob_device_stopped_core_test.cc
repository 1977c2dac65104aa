// Devices open without evl_init(), as device files do on an EVL system;
// while the core is stopped opening one fails with OSKIT_ENXIO (a program of
// its own: nothing initialises the library or stops the core under other
// tests).
#include "components/oob_device/oob_device.h"

#include "glue/evl/config.h"
#include "glue/evl/loopback.h"
#include "gtest/gtest.h"
#include "oskit/com/ptr.h"

namespace {

TEST(OobDeviceStoppedCoreTest, OpeningNeedsARunningCoreOnly) {
  ASSERT_EQ(oskit_loopback_register("stopped-loop", 0), 0);
  {
    oskit::ComPtr<oskit_stream_t> dev;
    EXPECT_EQ(oskit_oob_device_open("stopped-loop", OSKIT_OOB_DEVICE_RDWR, dev.put()), 0) << "no evl_init() needed";
  }
  ASSERT_EQ(oskit_evl_core_stop(), 0);
  oskit_stream_t* s = reinterpret_cast<oskit_stream_t*>(0x1);
  EXPECT_EQ(oskit_oob_device_open("stopped-loop", OSKIT_OOB_DEVICE_RDWR, &s), OSKIT_ENXIO);
  EXPECT_EQ(s, nullptr);
  ASSERT_EQ(oskit_evl_core_start(), 0);
  EXPECT_EQ(oskit_loopback_unregister("stopped-loop"), 0);
}

}  // namespace
