// The driver API and the loopback sample driver: the error codes of the EVL
// "Out-of-band I/O services" page for oob_read/oob_write/oob_ioctl, blocking
// and non-blocking modes, ioctls, and readiness of the real descriptor.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <thread>

#include <evl/evl.h>
#include "glue/devctl/devctl_server.h"
#include "glue/evl/driver.h"
#include "glue/evl/loopback.h"
#include "glue/evl/stage.h"

#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class DriverTest : public AttachedEvlTest {
 protected:
  void SetUp() override {
    AttachedEvlTest::SetUp();
    name_ = "lb-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(oskit_loopback_register(name_.c_str(), 64), 0);
  }
  void TearDown() override {
    EXPECT_EQ(oskit_loopback_unregister(name_.c_str()), 0);
    AttachedEvlTest::TearDown();
  }
  int open_lb(int flags) { return oskit_evl_open(name_.c_str(), flags); }
  // A read-only and a write-only descriptor on the device.
  void open_one_way(int* ro, int* wo) {
    *ro = open_lb(O_RDONLY);
    *wo = open_lb(O_WRONLY);
    ASSERT_GE(*ro, 0);
    ASSERT_GE(*wo, 0);
  }
  std::string name_;
};

TEST_F(DriverTest, OobRoundTrip) {
  int fd = open_lb(O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(oob_write(fd, "loop", 4), 4);
  char buf[8];
  EXPECT_EQ(oob_read(fd, buf, sizeof buf), 4);
  EXPECT_EQ(memcmp(buf, "loop", 4), 0);
  EXPECT_EQ(close(fd), 0);
}

TEST_F(DriverTest, InbandCallsReachInbandOperations) {
  int fd = open_lb(O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(write(fd, "abc", 3), 3);
  oskit_loopback_config c;
  EXPECT_EQ(ioctl(fd, OSKIT_LOOPBACK_GET_CONFIG, &c), 0);
  EXPECT_EQ(c.capacity, 64u);
  EXPECT_EQ(c.fill, 3u);
  char buf[3];
  EXPECT_EQ(read(fd, buf, 3), 3);
  EXPECT_EQ(memcmp(buf, "abc", 3), 0);
  close(fd);
}

TEST_F(DriverTest, WrongAccessModeIsEbadf) {
  int ro, wo;
  ASSERT_NO_FATAL_FAILURE(open_one_way(&ro, &wo));
  char c = 0;
  EXPECT_TRUE(fails_with(EBADF, [&] { return oob_write(ro, &c, 1); }));
  EXPECT_TRUE(fails_with(EBADF, [&] { return oob_read(wo, &c, 1); }));
  EXPECT_TRUE(fails_with(EBADF, [&] { return write(ro, &c, 1); }));
  close(ro);
  close(wo);
}

// A driver with no oob operations at all.
unsigned int bare_poll(oskit_evl_file*, unsigned int) { return 0; }
const oskit_evl_file_operations kBareOps = {nullptr, nullptr, nullptr, nullptr,   nullptr, nullptr,
                                            nullptr, nullptr, nullptr, bare_poll, nullptr};

TEST_F(DriverTest, MissingOobReadWriteIsEinvalMissingOobIoctlIsEnotty) {
  oskit_evl_device* dev = nullptr;
  ASSERT_EQ(oskit_evl_register_device("bare", &kBareOps, nullptr, &dev), 0);
  int fd = oskit_evl_open("bare", O_RDWR);
  ASSERT_GE(fd, 0);
  char c = 0;
  EXPECT_TRUE(fails_with(EINVAL, [&] { return oob_read(fd, &c, 1); }));
  EXPECT_TRUE(fails_with(EINVAL, [&] { return oob_write(fd, &c, 1); }));
  EXPECT_TRUE(fails_with(ENOTTY, [&] { return oob_ioctl(fd, OSKIT_LOOPBACK_RESET); }));
  EXPECT_TRUE(fails_with(ENOTTY, [&] { return ioctl(fd, OSKIT_LOOPBACK_RESET); }));
  EXPECT_EQ(oskit_evl_unregister_device(dev), -EBUSY);
  close(fd);
  EXPECT_EQ(oskit_evl_unregister_device(dev), 0);
}

TEST_F(DriverTest, UnknownRequestIsEnotty) {
  int fd = open_lb(O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(fails_with(ENOTTY, [&] { return oob_ioctl(fd, _IO('L', 99)); }));
  close(fd);
}

TEST_F(DriverTest, BadPointersAreEfault) {
  int fd = open_lb(O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(fails_with(EFAULT, [&] { return oob_ioctl(fd, OSKIT_LOOPBACK_GET_CONFIG, nullptr); }));
  EXPECT_TRUE(
      fails_with(EFAULT, [&] { return oob_ioctl(fd, OSKIT_LOOPBACK_SET_CAPACITY, reinterpret_cast<void*>(8)); }));
  EXPECT_TRUE(fails_with(EFAULT, [&] { return oob_read(fd, nullptr, 4); }));
  EXPECT_TRUE(fails_with(EFAULT, [&] { return oob_write(fd, nullptr, 4); }));
  close(fd);
}

TEST_F(DriverTest, NonBlockingIsEagain) {
  int fd = open_lb(O_RDWR | O_NONBLOCK);
  ASSERT_GE(fd, 0);
  char buf[64] = {0};
  EXPECT_TRUE(fails_with(EAGAIN, [&] { return oob_read(fd, buf, 1); }));
  __u32 want = 1;
  EXPECT_TRUE(fails_with(EAGAIN, [&] { return oob_ioctl(fd, OSKIT_LOOPBACK_WAIT_FILL, &want); }));
  EXPECT_EQ(oob_write(fd, buf, 64), 64);
  EXPECT_TRUE(fails_with(EAGAIN, [&] { return oob_write(fd, buf, 1); }));
  EXPECT_TRUE(fails_with(EFBIG, [&] { return oob_write(fd, buf, 65); }));
  close(fd);
}

TEST_F(DriverTest, FcntlSwitchesBlockingMode) {
  int fd = open_lb(O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
  char c;
  EXPECT_TRUE(fails_with(EAGAIN, [&] { return oob_read(fd, &c, 1); }));
  close(fd);
}

TEST_F(DriverTest, BlockingReadIsWokenByWriter) {
  int rd, wr;
  ASSERT_NO_FATAL_FAILURE(open_one_way(&rd, &wr));
  std::thread reader([&] {
    ASSERT_GE(evl_attach_self("lb-reader:%d", getpid()), 0);
    char buf[5];
    EXPECT_EQ(oob_read(rd, buf, 5), 5);
    EXPECT_EQ(memcmp(buf, "wake!", 5), 0);
    evl_detach_self();
  });
  EXPECT_EQ(oob_write(wr, "wake!", 5), 5);
  reader.join();
  close(rd);
  close(wr);
}

TEST_F(DriverTest, BlockingWriteWaitsForRoomAndWaitFillBlocks) {
  int fd = open_lb(O_RDWR);
  ASSERT_GE(fd, 0);
  char big[64];
  memset(big, 'b', sizeof big);
  ASSERT_EQ(oob_write(fd, big, 64), 64);
  std::thread writer([&] {
    ScopedAttach attached("lb-writer");
    EXPECT_EQ(oob_write(fd, "more", 4), 4);
  });
  char sink[64];
  EXPECT_EQ(oob_read(fd, sink, 64), 64);
  writer.join();
  std::thread filler([&] {
    ScopedAttach attached("lb-filler");
    EXPECT_EQ(oob_write(fd, "0123456789", 10), 10);
  });
  __u32 want = 14;
  EXPECT_EQ(oob_ioctl(fd, OSKIT_LOOPBACK_WAIT_FILL, &want), 0);
  filler.join();
  want = 65;
  EXPECT_TRUE(fails_with(EINVAL, [&] { return oob_ioctl(fd, OSKIT_LOOPBACK_WAIT_FILL, &want); }));
  close(fd);
}

TEST_F(DriverTest, CloseWakesBlockedReaderWithEbadf) {
  int fd = open_lb(O_RDWR);
  ASSERT_GE(fd, 0);
  std::atomic<bool> started{false};
  ssize_t rc = 0;
  int err = 0;
  std::thread reader([&] {
    ScopedAttach attached("lb-closed-reader");
    char c;
    started = true;
    rc = oob_read(fd, &c, 1);
    err = errno;
  });
  while (!started) std::this_thread::yield();
  // The reader may not sleep yet: close waits for it either way.
  std::thread closer([&] { EXPECT_EQ(close(fd), 0); });
  closer.join();
  reader.join();
  EXPECT_EQ(rc, -1);
  EXPECT_EQ(err, EBADF);
}

TEST_F(DriverTest, IoctlsInEachDirection) {
  EXPECT_EQ(_IOC_DIR(OSKIT_LOOPBACK_GET_CONFIG), static_cast<unsigned>(_IOC_READ));
  EXPECT_EQ(_IOC_DIR(OSKIT_LOOPBACK_SET_CAPACITY), static_cast<unsigned>(_IOC_WRITE));
  EXPECT_EQ(_IOC_DIR(OSKIT_LOOPBACK_XCHG), static_cast<unsigned>(_IOC_READ | _IOC_WRITE));
  EXPECT_EQ(_IOC_DIR(OSKIT_LOOPBACK_RESET), static_cast<unsigned>(_IOC_NONE));
  EXPECT_EQ(_IOC_SIZE(OSKIT_LOOPBACK_GET_STATS), sizeof(oskit_loopback_stats));
  int fd = open_lb(O_RDWR);
  ASSERT_GE(fd, 0);
  oskit_loopback_xchg x = {41, 0};
  EXPECT_EQ(oob_ioctl(fd, OSKIT_LOOPBACK_XCHG, &x), 0);
  EXPECT_EQ(x.out, 42u);
  ASSERT_EQ(oob_write(fd, "data", 4), 4);
  __u32 cap = 128;
  EXPECT_TRUE(fails_with(EBUSY, [&] { return oob_ioctl(fd, OSKIT_LOOPBACK_SET_CAPACITY, &cap); }));
  EXPECT_EQ(oob_ioctl(fd, OSKIT_LOOPBACK_RESET), 0);
  EXPECT_EQ(oob_ioctl(fd, OSKIT_LOOPBACK_SET_CAPACITY, &cap), 0);
  cap = 0;
  EXPECT_TRUE(fails_with(EINVAL, [&] { return oob_ioctl(fd, OSKIT_LOOPBACK_SET_CAPACITY, &cap); }));
  oskit_loopback_config c;
  EXPECT_EQ(oob_ioctl(fd, OSKIT_LOOPBACK_GET_CONFIG, &c), 0);
  EXPECT_EQ(c.capacity, 128u);
  EXPECT_EQ(c.fill, 0u);
  oskit_loopback_stats s;
  EXPECT_EQ(oob_ioctl(fd, OSKIT_LOOPBACK_GET_STATS, &s), 0);
  EXPECT_EQ(s.bytes_written, 4u);
  EXPECT_EQ(s.writes, 1u);
  close(fd);
}

TEST_F(DriverTest, DescriptorIsPollable) {
  int fd = open_lb(O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(kernel_revents(fd, POLLIN | POLLOUT), POLLOUT);
  ASSERT_EQ(write(fd, "p", 1), 1);  // in-band: readiness changes at once
  EXPECT_EQ(kernel_revents(fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
  EXPECT_EQ(evl_wait_for(fd, POLLIN), static_cast<unsigned>(POLLIN | POLLRDNORM) & POLLIN);
  char fill[63];
  ASSERT_EQ(write(fd, fill, 63), 63);
  EXPECT_EQ(kernel_revents(fd, POLLIN | POLLOUT), POLLIN);
  int ep = epoll_create1(0);
  struct epoll_event ev = {EPOLLOUT, {.fd = fd}};
  ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
  std::thread drainer([&] {
    ASSERT_GE(evl_attach_self("lb-drainer:%d", getpid()), 0);
    char sink[64];
    EXPECT_EQ(oob_read(fd, sink, 64), 64);  // out-of-band: the relay refreshes the descriptor
    evl_detach_self();
  });
  ASSERT_EQ(epoll_wait(ep, &ev, 1, -1), 1);
  EXPECT_EQ(ev.events, static_cast<unsigned>(EPOLLOUT));
  drainer.join();
  close(ep);
  close(fd);
}

// The loopback serves its ioctls through a devctl table (glue/evl/driver_devctl.h).

TEST_F(DriverTest, IoctlDirectionIsCheckedAgainstTheOpenMode) {
  int ro, wo;
  ASSERT_NO_FATAL_FAILURE(open_one_way(&ro, &wo));
  __u32 cap = 128;
  EXPECT_TRUE(fails_with(EPERM, [&] { return oob_ioctl(ro, OSKIT_LOOPBACK_SET_CAPACITY, &cap); }))
      << "a read-only opener sends data to the device";
  oskit_loopback_config c{};
  EXPECT_TRUE(fails_with(EPERM, [&] { return oob_ioctl(wo, OSKIT_LOOPBACK_GET_CONFIG, &c); }))
      << "a write-only opener takes data from the device";
  EXPECT_EQ(oob_ioctl(ro, OSKIT_LOOPBACK_GET_CONFIG, &c), 0);
  EXPECT_EQ(c.capacity, 64u) << "the refused resize changed nothing";
  EXPECT_EQ(oob_ioctl(wo, OSKIT_LOOPBACK_SET_CAPACITY, &cap), 0);
  EXPECT_EQ(oob_ioctl(wo, OSKIT_LOOPBACK_RESET), 0);
  close(ro);
  close(wo);
}

TEST_F(DriverTest, GenericFlagsThroughTheReservedRange) {
  int fd = open_lb(O_RDWR);
  ASSERT_GE(fd, 0);
  const unsigned long getflags = oskit_devctl_to_ioc(OSKIT_DCMD_ALL_GETFLAGS);
  const unsigned long setflags = oskit_devctl_to_ioc(OSKIT_DCMD_ALL_SETFLAGS);
  oskit_u32_t flags = 77;
  ASSERT_EQ(oob_ioctl(fd, getflags, &flags), 0);
  EXPECT_EQ(flags, 0u);
  ASSERT_EQ(evl_switch_oob(), 0);
  oskit_evl_stage_reset();
  flags = OSKIT_DEVCTL_F_NONBLOCK;
  ASSERT_EQ(oob_ioctl(fd, setflags, &flags), 0);
  char c;
  EXPECT_TRUE(fails_with(EAGAIN, [&] { return oob_read(fd, &c, 1); })) << "the driver now sees O_NONBLOCK";
  EXPECT_EQ(oskit_evl_stage_thread_violations(), 0u) << "flags change out-of-band without a system call";
  ASSERT_EQ(evl_switch_inband(), 0);
  EXPECT_NE(fcntl(fd, F_GETFL) & O_NONBLOCK, 0) << "F_GETFL agrees with the driver";
  flags = 0x4000;
  EXPECT_TRUE(fails_with(EINVAL, [&] { return oob_ioctl(fd, setflags, &flags); }));
  ASSERT_EQ(oob_ioctl(fd, getflags, &flags), 0);
  EXPECT_EQ(flags, OSKIT_DEVCTL_F_NONBLOCK);
  ASSERT_EQ(fcntl(fd, F_SETFL, 0), 0);
  ASSERT_EQ(oob_ioctl(fd, getflags, &flags), 0);
  EXPECT_EQ(flags, 0u);
  close(fd);
}

TEST_F(DriverTest, UnknownCommandsInAndOutOfTheReservedRangeAreEnotty) {
  int fd = open_lb(O_RDWR);
  ASSERT_GE(fd, 0);
  __u32 v = 0;
  EXPECT_TRUE(fails_with(ENOTTY, [&] { return oob_ioctl(fd, _IOW('L', 99, __u32), &v); }));
  EXPECT_TRUE(fails_with(ENOTTY, [&] { return oob_ioctl(fd, oskit_devctl_to_ioc(OSKIT_DION(0x00, 0x55))); }));
  __u64 wide = 128;
  EXPECT_TRUE(fails_with(ENOTTY, [&] { return oob_ioctl(fd, _IOW('L', 3, __u64), &wide); }))
      << "SET_CAPACITY with another size is another command";
  close(fd);
}

TEST_F(DriverTest, RegistryErrors) {
  EXPECT_EQ(oskit_loopback_register(name_.c_str(), 64), -EEXIST);
  EXPECT_EQ(oskit_evl_open("no-such-device", O_RDWR), -ENODEV);
  EXPECT_EQ(oskit_evl_open(name_.c_str(), O_ACCMODE), -EINVAL);
  EXPECT_EQ(oskit_loopback_unregister("no-such-device"), -ENODEV);
  int fd = open_lb(O_RDWR);
  EXPECT_EQ(oskit_loopback_unregister(name_.c_str()), -EBUSY);
  close(fd);
}

}  // namespace
}  // namespace oskit::evl::testing
