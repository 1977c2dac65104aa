// Conformance suite for oskit_devctl (oskit/io/devctl.h; docs/design.md,
// "devctl"): an unknown command is OSKIT_ENOTTY, never OSKIT_ENOSYS; a
// command is verified against the open mode (OSKIT_EPERM), its encoded size
// (OSKIT_EINVAL) and its data pointer (OSKIT_EFAULT) before anything runs;
// the generic flags commands of the reserved range work; the outputs are
// cleared on entry and may be NULL.
//
// Factory:
//   static oskit::ComPtr<oskit_devctl> make();  // a fresh object
//   static constexpr oskit_u32_t kOpenMode;    // OSKIT_DEVCTL_OPEN_* it was opened with
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, DevctlConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_DEVCTL_CONFORMANCE_H
#define OSKIT_TESTING_DEVCTL_CONFORMANCE_H

#include "gtest/gtest.h"
#include "oskit/com/ptr.h"
#include "oskit/io/devctl.h"
#include "oskit/testing/leak_check.h"

namespace oskit::testing {

template <class Factory>
class DevctlConformance : public LeakCheckedTest {
 protected:
  void SetUp() override {
    LeakCheckedTest::SetUp();
    dev_ = Factory::make();
    ASSERT_TRUE(dev_);
  }
  void TearDown() override {
    dev_.reset();
    LeakCheckedTest::TearDown();
  }
  static bool readable() { return (Factory::kOpenMode & OSKIT_DEVCTL_OPEN_READ) != 0; }
  static bool writable() { return (Factory::kOpenMode & OSKIT_DEVCTL_OPEN_WRITE) != 0; }
  oskit_error_t call(oskit_u32_t dcmd, void* data, oskit_size_t nbytes) {
    oskit_s32_t ret = -1;
    oskit_size_t out = 99;
    oskit_error_t rc = dev_->devctl(dcmd, data, nbytes, &ret, &out);
    if (rc != 0) {
      EXPECT_EQ(ret, 0) << "a failed devctl left a result";
      EXPECT_EQ(out, 0u) << "a failed devctl left a byte count";
    }
    return rc;
  }
  ComPtr<oskit_devctl> dev_;
};

TYPED_TEST_SUITE_P(DevctlConformance);

TYPED_TEST_P(DevctlConformance, UnknownCommandsAreENOTTY) {
  oskit_u32_t word = 0;
  EXPECT_EQ(this->call(OSKIT_DION(0xfe, 0xfe), nullptr, 0), OSKIT_ENOTTY);
  if (this->readable()) {
    EXPECT_EQ(this->call(OSKIT_DIOF(0xfe, 0x01, oskit_u32_t), &word, sizeof word), OSKIT_ENOTTY);
  }
  EXPECT_EQ(this->call(OSKIT_DION(0x00, 0xff), nullptr, 0), OSKIT_ENOTTY) << "an unserved reserved code";
}

TYPED_TEST_P(DevctlConformance, GenericFlagsCanBeReadAndSet) {
  if (!this->readable() || !this->writable()) GTEST_SKIP() << "needs an opening for reading and writing";
  oskit_u32_t flags = 0xffffffff;
  oskit_s32_t ret = -1;
  oskit_size_t out = 0;
  ASSERT_EQ(this->dev_->devctl(OSKIT_DCMD_ALL_GETFLAGS, &flags, sizeof flags, &ret, &out), 0);
  EXPECT_EQ(out, sizeof flags);
  EXPECT_EQ(flags & ~OSKIT_DEVCTL_F_NONBLOCK, 0u);
  oskit_u32_t set = flags | OSKIT_DEVCTL_F_NONBLOCK;
  ASSERT_EQ(this->call(OSKIT_DCMD_ALL_SETFLAGS, &set, sizeof set), 0);
  oskit_u32_t now = 0;
  ASSERT_EQ(this->call(OSKIT_DCMD_ALL_GETFLAGS, &now, sizeof now), 0);
  EXPECT_EQ(now, set);
  oskit_u32_t unknown = 0x80000000u;
  EXPECT_EQ(this->call(OSKIT_DCMD_ALL_SETFLAGS, &unknown, sizeof unknown), OSKIT_EINVAL);
  ASSERT_EQ(this->call(OSKIT_DCMD_ALL_GETFLAGS, &now, sizeof now), 0);
  EXPECT_EQ(now, set) << "a refused SETFLAGS changed the flags";
  ASSERT_EQ(this->call(OSKIT_DCMD_ALL_SETFLAGS, &flags, sizeof flags), 0);
}

TYPED_TEST_P(DevctlConformance, MoreBytesThanTheCommandEncodesAreRefused) {
  char big[16] = {};
  const oskit_u32_t dcmd = this->readable() ? OSKIT_DCMD_ALL_GETFLAGS : OSKIT_DCMD_ALL_SETFLAGS;
  EXPECT_EQ(this->call(dcmd, big, sizeof big), OSKIT_EINVAL);
}

TYPED_TEST_P(DevctlConformance, MissingDataIsEFAULT) {
  const oskit_u32_t dcmd = this->readable() ? OSKIT_DCMD_ALL_GETFLAGS : OSKIT_DCMD_ALL_SETFLAGS;
  EXPECT_EQ(this->call(dcmd, nullptr, sizeof(oskit_u32_t)), OSKIT_EFAULT);
}

TYPED_TEST_P(DevctlConformance, TheOpenModeIsEnforced) {
  oskit_u32_t flags = 0;
  if (!this->writable()) {
    EXPECT_EQ(this->call(OSKIT_DCMD_ALL_SETFLAGS, &flags, sizeof flags), OSKIT_EPERM);
  } else if (!this->readable()) {
    EXPECT_EQ(this->call(OSKIT_DCMD_ALL_GETFLAGS, &flags, sizeof flags), OSKIT_EPERM);
  } else {
    GTEST_SKIP() << "opened for reading and writing: no direction is forbidden";
  }
}

TYPED_TEST_P(DevctlConformance, OutputsMayBeNullAndTheCMacroReachesTheSameCall) {
  oskit_u32_t flags = 0;
  const oskit_u32_t dcmd = this->readable() ? OSKIT_DCMD_ALL_GETFLAGS : OSKIT_DCMD_ALL_SETFLAGS;
  EXPECT_EQ(this->dev_->devctl(dcmd, &flags, sizeof flags, nullptr, nullptr), 0);
  oskit_devctl_t* d = this->dev_.get();
  EXPECT_EQ(oskit_devctl_devctl(d, dcmd, &flags, sizeof flags, nullptr, nullptr), 0);
  EXPECT_EQ(oskit_devctl_devctl(d, OSKIT_DION(0xfe, 0xfe), nullptr, 0, nullptr, nullptr), OSKIT_ENOTTY);
}

REGISTER_TYPED_TEST_SUITE_P(DevctlConformance, UnknownCommandsAreENOTTY, GenericFlagsCanBeReadAndSet,
                            MoreBytesThanTheCommandEncodesAreRefused, MissingDataIsEFAULT, TheOpenModeIsEnforced,
                            OutputsMayBeNullAndTheCMacroReachesTheSameCall);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_DEVCTL_CONFORMANCE_H
