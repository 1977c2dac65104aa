// Before evl_init() no proxy can be created or adopted: OSKIT_ENXIO (a
// program of its own, so that nothing initialises the library first).
#include "components/evl_proxy/evl_proxy.h"

#include <unistd.h>

#include "gtest/gtest.h"

namespace {

TEST(EvlProxyNoInitTest, CreateAndAdoptBeforeEvlInitAreEnxio) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  oskit_evl_proxy_options opts = {4096, 0, OSKIT_EVL_PROXY_OUTPUT, nullptr, 0};
  oskit_stream_t* s = reinterpret_cast<oskit_stream_t*>(0x1);
  EXPECT_EQ(oskit_evl_proxy_create(fds[1], &opts, &s), OSKIT_ENXIO);
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(oskit_evl_proxy_adopt(fds[1], &s), OSKIT_ENXIO);
  EXPECT_EQ(s, nullptr);
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
