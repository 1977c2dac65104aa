// Before evl_init() no device can be opened: OSKIT_ENXIO (a program of its
// own, so that nothing initialises the library first).
#include "components/oob_device/oob_device.h"

#include "glue/evl/loopback.h"
#include "gtest/gtest.h"

namespace {

TEST(OobDeviceNoInitTest, OpenBeforeEvlInitIsEnxio) {
  ASSERT_EQ(oskit_loopback_register("noinit-loop", 0), 0);
  oskit_stream_t* s = reinterpret_cast<oskit_stream_t*>(0x1);
  EXPECT_EQ(oskit_oob_device_open("noinit-loop", OSKIT_OOB_DEVICE_RDWR, &s), OSKIT_ENXIO);
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(oskit_loopback_unregister("noinit-loop"), 0);
}

}  // namespace
