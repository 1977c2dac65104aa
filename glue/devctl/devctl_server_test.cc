#include "glue/devctl/devctl_server.h"

#include <linux/ioctl.h>

#include <cstdint>
#include <cstring>
#include <tuple>

#include "gtest/gtest.h"

namespace {

struct Regs {
  std::uint32_t a, b;
};

constexpr oskit_u32_t kPoke = OSKIT_DIOT(0x51, 1, Regs);
constexpr oskit_u32_t kPeek = OSKIT_DIOF(0x51, 2, Regs);
constexpr oskit_u32_t kSwap = OSKIT_DIOTF(0x51, 3, Regs);
constexpr oskit_u32_t kReset = OSKIT_DION(0x51, 4);
constexpr oskit_u32_t kDeclines = OSKIT_DION(0x51, 5);

struct Device {
  Regs regs{1, 2};
  int resets = 0;
  int flag_changes = 0;
};

oskit_error_t poke(void* dev, oskit_devctl_msg* msg) {
  auto* d = static_cast<Device*>(dev);
  std::memcpy(&d->regs, msg->data, msg->nbytes);
  return 0;
}
oskit_error_t peek(void* dev, oskit_devctl_msg* msg) {
  std::memcpy(msg->data, &static_cast<Device*>(dev)->regs, sizeof(Regs));
  msg->out_nbytes = sizeof(Regs);
  msg->ret_val = 7;
  return 0;
}
oskit_error_t swap(void* dev, oskit_devctl_msg* msg) {
  Regs in;
  std::memcpy(&in, msg->data, sizeof in);
  peek(dev, msg);
  static_cast<Device*>(dev)->regs = in;
  return 0;
}
oskit_error_t reset(void* dev, oskit_devctl_msg*) {
  static_cast<Device*>(dev)->resets++;
  return 0;
}
oskit_error_t decline(void*, oskit_devctl_msg*) { return OSKIT_DEVCTL_DEFAULT; }
oskit_error_t count_flags(void* dev, oskit_u32_t, oskit_u32_t) {
  static_cast<Device*>(dev)->flag_changes++;
  return 0;
}

const oskit_devctl_command kTable[] = {
    {kPoke, poke}, {kPeek, peek}, {kSwap, swap}, {kReset, reset}, {kDeclines, decline},
};

class DevctlServer : public ::testing::Test {
 protected:
  oskit_error_t issue(oskit_u32_t dcmd, void* data, oskit_size_t nbytes, oskit_u32_t mode) {
    msg_ = oskit_devctl_msg{dcmd, data, nbytes, mode, -1, 99};
    return oskit_devctl_dispatch(kTable, sizeof kTable / sizeof kTable[0], &dev_, &generic_, &msg_);
  }
  Device dev_;
  oskit_devctl_generic generic_{0, count_flags};
  oskit_devctl_msg msg_{};
};

// Every direction against every open mode: allowed exactly when the mode
// covers the direction.
class DirectionByMode : public DevctlServer,
                        public ::testing::WithParamInterface<std::tuple<oskit_u32_t, oskit_u32_t>> {};

TEST_P(DirectionByMode, AllowedExactlyWhenTheModeCoversTheDirection) {
  const auto [dcmd, mode] = GetParam();
  Regs r{5, 6};
  const oskit_u32_t dir = OSKIT_DCMD_DIR(dcmd);
  const bool allowed = (!(dir & OSKIT_DEVDIR_TO) || (mode & OSKIT_DEVCTL_OPEN_WRITE)) &&
                       (!(dir & OSKIT_DEVDIR_FROM) || (mode & OSKIT_DEVCTL_OPEN_READ));
  const oskit_size_t n = OSKIT_DCMD_LEN(dcmd);
  const Regs before = dev_.regs;
  oskit_error_t rc = issue(dcmd, n ? &r : nullptr, n, mode);
  if (allowed) {
    EXPECT_EQ(rc, 0);
  } else {
    EXPECT_EQ(rc, OSKIT_EPERM);
    EXPECT_EQ(dev_.regs.a, before.a) << "a refused command changes nothing";
    EXPECT_EQ(dev_.resets, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(AllCombinations, DirectionByMode,
                         ::testing::Combine(::testing::Values(kPoke, kPeek, kSwap, kReset),
                                            ::testing::Values(0u, OSKIT_DEVCTL_OPEN_READ, OSKIT_DEVCTL_OPEN_WRITE,
                                                              OSKIT_DEVCTL_OPEN_RDWR)));

TEST_F(DevctlServer, RetValAndBytesTransferredComeBackSeparately) {
  Regs r{};
  ASSERT_EQ(issue(kPeek, &r, sizeof r, OSKIT_DEVCTL_OPEN_READ), 0);
  EXPECT_EQ(msg_.ret_val, 7);
  EXPECT_EQ(msg_.out_nbytes, sizeof r);
  EXPECT_EQ(r.a, 1u);
  EXPECT_EQ(r.b, 2u);
  Regs in{8, 9};
  ASSERT_EQ(issue(kSwap, &in, sizeof in, OSKIT_DEVCTL_OPEN_RDWR), 0);
  EXPECT_EQ(in.a, 1u);
  EXPECT_EQ(dev_.regs.a, 8u);
  ASSERT_EQ(issue(kReset, nullptr, 0, 0), 0);
  EXPECT_EQ(msg_.ret_val, 0);
  EXPECT_EQ(msg_.out_nbytes, 0u);
}

TEST_F(DevctlServer, SizeMismatches) {
  char big[sizeof(Regs) + 1] = {};
  EXPECT_EQ(issue(kPoke, big, sizeof big, OSKIT_DEVCTL_OPEN_RDWR), OSKIT_EINVAL);
  EXPECT_EQ(issue(kReset, big, 1, OSKIT_DEVCTL_OPEN_RDWR), OSKIT_EINVAL);
  EXPECT_EQ(issue(kPoke, nullptr, sizeof(Regs), OSKIT_DEVCTL_OPEN_RDWR), OSKIT_EFAULT);
  // The same class and number with another size is another command.
  EXPECT_EQ(issue(OSKIT_DIOT(0x51, 1, std::uint32_t), big, 4, OSKIT_DEVCTL_OPEN_RDWR), OSKIT_ENOTTY);
}

TEST_F(DevctlServer, UnknownAndDeclinedCommandsAreNotTty) {
  EXPECT_EQ(issue(OSKIT_DION(0x77, 1), nullptr, 0, OSKIT_DEVCTL_OPEN_RDWR), OSKIT_ENOTTY);
  EXPECT_EQ(issue(kDeclines, nullptr, 0, OSKIT_DEVCTL_OPEN_RDWR), OSKIT_ENOTTY);
  EXPECT_EQ(issue(OSKIT_DION(0x00, 0x7f), nullptr, 0, OSKIT_DEVCTL_OPEN_RDWR), OSKIT_ENOTTY)
      << "an unassigned reserved command";
  EXPECT_EQ(oskit_devctl_dispatch(kTable, 5, &dev_, nullptr, &msg_), OSKIT_ENOTTY);
}

TEST_F(DevctlServer, GenericFlagsAreServedByTheDefaultHandler) {
  oskit_u32_t flags = 12345;
  ASSERT_EQ(issue(OSKIT_DCMD_ALL_GETFLAGS, &flags, sizeof flags, OSKIT_DEVCTL_OPEN_READ), 0);
  EXPECT_EQ(flags, 0u);
  flags = OSKIT_DEVCTL_F_NONBLOCK;
  EXPECT_EQ(issue(OSKIT_DCMD_ALL_SETFLAGS, &flags, sizeof flags, OSKIT_DEVCTL_OPEN_READ), OSKIT_EPERM);
  ASSERT_EQ(issue(OSKIT_DCMD_ALL_SETFLAGS, &flags, sizeof flags, OSKIT_DEVCTL_OPEN_WRITE), 0);
  EXPECT_EQ(generic_.flags, OSKIT_DEVCTL_F_NONBLOCK);
  EXPECT_EQ(dev_.flag_changes, 1);
  flags = 0x80;
  EXPECT_EQ(issue(OSKIT_DCMD_ALL_SETFLAGS, &flags, sizeof flags, OSKIT_DEVCTL_OPEN_WRITE), OSKIT_EINVAL);
  EXPECT_EQ(generic_.flags, OSKIT_DEVCTL_F_NONBLOCK);
  ASSERT_EQ(issue(OSKIT_DCMD_ALL_GETFLAGS, &flags, sizeof flags, OSKIT_DEVCTL_OPEN_READ), 0);
  EXPECT_EQ(flags, OSKIT_DEVCTL_F_NONBLOCK);
  EXPECT_EQ(msg_.out_nbytes, sizeof flags);
  oskit_u16_t small = 0;
  EXPECT_EQ(issue(OSKIT_DCMD_ALL_GETFLAGS, &small, sizeof small, OSKIT_DEVCTL_OPEN_READ), OSKIT_EINVAL);
}

TEST(DevctlIoc, DirectionBitsSwapAndTheRestStays) {
  EXPECT_EQ(oskit_devctl_to_ioc(kPoke), static_cast<oskit_u32_t>(_IOW(0x51, 1, Regs)));
  EXPECT_EQ(oskit_devctl_to_ioc(kPeek), static_cast<oskit_u32_t>(_IOR(0x51, 2, Regs)));
  EXPECT_EQ(oskit_devctl_to_ioc(kSwap), static_cast<oskit_u32_t>(_IOWR(0x51, 3, Regs)));
  EXPECT_EQ(oskit_devctl_to_ioc(kReset), static_cast<oskit_u32_t>(_IO(0x51, 4)));
  for (oskit_u32_t dcmd : {kPoke, kPeek, kSwap, kReset})
    EXPECT_EQ(oskit_devctl_from_ioc(oskit_devctl_to_ioc(dcmd)), dcmd);
}

}  // namespace
