// Before evl_init() (and before any thread attaches), creating a proxy, a
// polling set or opening a device fails with ENXIO (the EVL "File proxy" page).
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <evl/evl.h>

#include "glue/evl/driver.h"
#include "gtest/gtest.h"

namespace {

TEST(NoInitTest, ProxyCreationIsEnxio) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  EXPECT_EQ(evl_new_proxy(fds[1], 64, "early"), -ENXIO);
  EXPECT_EQ(evl_new_poll(), -ENXIO);
  EXPECT_EQ(oskit_evl_open("loopback", O_RDWR), -ENXIO);
  EXPECT_LT(proxy_outfd, 0);
  EXPECT_EQ(evl_printf("not yet"), -EBADF);
  ASSERT_EQ(evl_init(), 0);
  int fd = evl_new_proxy(fds[1], 64, "late");
  EXPECT_GE(fd, 0);
  EXPECT_GE(proxy_outfd, 0);
  close(fd);
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
