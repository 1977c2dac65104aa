// Proxies need no evl_init(), as with the EVL core: they are created and
// adopted before it; while the core is stopped creating or adopting one fails
// with OSKIT_ENXIO (a program of its own: nothing initialises the library or
// stops the core under other tests).
#include "components/evl_proxy/evl_proxy.h"

#include <unistd.h>

#include <evl/proxy.h>

#include "glue/evl/config.h"
#include "gtest/gtest.h"
#include "oskit/com/ptr.h"

namespace {

TEST(EvlProxyStoppedCoreTest, CreateAndAdoptNeedARunningCoreOnly) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  oskit_evl_proxy_options opts = {4096, 0, OSKIT_EVL_PROXY_OUTPUT, nullptr, 0};
  oskit::ComPtr<oskit_stream_t> made;
  ASSERT_EQ(oskit_evl_proxy_create(fds[1], &opts, made.put()), 0) << "no evl_init() needed";
  int fd = evl_new_proxy(fds[1], 64, nullptr);
  ASSERT_GE(fd, 0);

  ASSERT_EQ(oskit_evl_core_stop(), 0);
  oskit_stream_t* s = reinterpret_cast<oskit_stream_t*>(0x1);
  EXPECT_EQ(oskit_evl_proxy_create(fds[1], &opts, &s), OSKIT_ENXIO);
  EXPECT_EQ(s, nullptr);
  s = reinterpret_cast<oskit_stream_t*>(0x1);
  EXPECT_EQ(oskit_evl_proxy_adopt(fd, &s), OSKIT_ENXIO);
  EXPECT_EQ(s, nullptr);

  ASSERT_EQ(oskit_evl_core_start(), 0);
  oskit::ComPtr<oskit_stream_t> adopted;
  EXPECT_EQ(oskit_evl_proxy_adopt(fd, adopted.put()), 0);
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
