#include "oskit/error.h"

#include <cerrno>
#include <cstring>

#include "gtest/gtest.h"
#include "oskit/io/devctl.h"

namespace {

TEST(ErrorCodes, OSKitValuesAreKept) {
  EXPECT_EQ(static_cast<oskit_u32_t>(OSKIT_E_NOTIMPL), 0x80004001u);
  EXPECT_EQ(static_cast<oskit_u32_t>(OSKIT_E_NOINTERFACE), 0x80004002u);
  EXPECT_EQ(static_cast<oskit_u32_t>(OSKIT_EINVAL), 0x80070057u);
  EXPECT_EQ(static_cast<oskit_u32_t>(OSKIT_EBADF), 0x8f100104u);
  EXPECT_EQ(static_cast<oskit_u32_t>(OSKIT_ENOTTY), 0x8f100118u);
  EXPECT_EQ(static_cast<oskit_u32_t>(OSKIT_EWOULDBLOCK), 0x8f100222u);
  EXPECT_EQ(OSKIT_EFAULT, OSKIT_E_POINTER);
  EXPECT_EQ(OSKIT_ENOSYS, OSKIT_E_NOTIMPL);
  EXPECT_TRUE(OSKIT_FAILED(OSKIT_EIO));
}

TEST(ErrorCodes, ErrnoToErrorIsTotalAndStableThroughTheRoundTrip) {
  for (int e = 1; e < 134; e++) {
    oskit_error_t rc = oskit_error_from_errno(e);
    EXPECT_TRUE(OSKIT_FAILED(rc)) << "errno " << e;
    if (rc != OSKIT_E_FAIL) {  // errno values OSKit has no code for
      EXPECT_EQ(oskit_error_from_errno(oskit_errno_from_error(rc)), rc) << "errno " << e;
    }
  }
  EXPECT_EQ(oskit_error_from_errno(0), 0);
  EXPECT_EQ(oskit_error_from_errno(EIO), OSKIT_EIO);
  EXPECT_EQ(oskit_error_from_errno(ENOSYS), OSKIT_E_NOTIMPL);
  EXPECT_EQ(oskit_error_from_errno(ENOTTY), OSKIT_ENOTTY);
  EXPECT_EQ(oskit_error_from_errno(ECANCELED), OSKIT_ECANCELED);
  EXPECT_EQ(oskit_error_from_errno(100000), OSKIT_E_FAIL);
  EXPECT_EQ(oskit_errno_from_error(oskit_error_from_errno(EBADF)), EBADF);
  EXPECT_EQ(oskit_errno_from_error(oskit_error_from_errno(EMSGSIZE)), EMSGSIZE);
}

TEST(ErrorCodes, ErrorToErrnoIsTotal) {
  EXPECT_EQ(oskit_errno_from_error(0), 0);
  EXPECT_EQ(oskit_errno_from_error(OSKIT_E_NOINTERFACE), ENOSYS);
  EXPECT_EQ(oskit_errno_from_error(OSKIT_E_ABORT), ECANCELED);
  EXPECT_EQ(oskit_errno_from_error(OSKIT_EWOULDBLOCK), EAGAIN);
  EXPECT_EQ(oskit_errno_from_error(OSKIT_E_UNEXPECTED), EIO);
  EXPECT_EQ(oskit_errno_from_error(OSKIT_ERROR_VALUE(0x8f1f0000)), EIO);
  EXPECT_STREQ(oskit_error_string(OSKIT_EBADF), "Bad file descriptor");
  EXPECT_STREQ(oskit_error_string(OSKIT_ERROR_VALUE(0x8f1f0000)), "Unknown error");
}

TEST(Devctl, EncodingTakesApart) {
  struct Reg {
    oskit_u32_t a, b;
  };
  const oskit_u32_t cmd = OSKIT_DIOTF(0x42, 7, Reg);
  EXPECT_EQ(OSKIT_DCMD_DIR(cmd), OSKIT_DEVDIR_TOFROM);
  EXPECT_EQ(OSKIT_DCMD_LEN(cmd), sizeof(Reg));
  EXPECT_EQ(OSKIT_DCMD_CLASS(cmd), 0x42u);
  EXPECT_EQ(OSKIT_DCMD_NUMBER(cmd), 7u);
  EXPECT_FALSE(OSKIT_DCMD_IS_RESERVED(cmd));
  EXPECT_TRUE(OSKIT_DCMD_IS_RESERVED(OSKIT_DCMD_ALL_GETFLAGS));
  EXPECT_EQ(OSKIT_DCMD_DIR(OSKIT_DION(0x42, 1)), OSKIT_DEVDIR_NONE);
  EXPECT_EQ(OSKIT_DCMD_DIR(OSKIT_DIOF(0x42, 1, int)), OSKIT_DEVDIR_FROM);
}

TEST(Devctl, VerifyChecksOpenModeSizeAndPointer) {
  int v = 0;
  const oskit_u32_t to = OSKIT_DIOT(0x42, 1, int);
  const oskit_u32_t from = OSKIT_DIOF(0x42, 2, int);
  const oskit_u32_t both = OSKIT_DIOTF(0x42, 3, int);
  const oskit_u32_t none = OSKIT_DION(0x42, 4);
  EXPECT_EQ(oskit_devctl_verify(to, &v, sizeof v, OSKIT_DEVCTL_OPEN_WRITE), 0);
  EXPECT_EQ(oskit_devctl_verify(to, &v, sizeof v, OSKIT_DEVCTL_OPEN_READ), OSKIT_EPERM);
  EXPECT_EQ(oskit_devctl_verify(from, &v, sizeof v, OSKIT_DEVCTL_OPEN_READ), 0);
  EXPECT_EQ(oskit_devctl_verify(from, &v, sizeof v, OSKIT_DEVCTL_OPEN_WRITE), OSKIT_EPERM);
  EXPECT_EQ(oskit_devctl_verify(both, &v, sizeof v, OSKIT_DEVCTL_OPEN_READ), OSKIT_EPERM);
  EXPECT_EQ(oskit_devctl_verify(both, &v, sizeof v, OSKIT_DEVCTL_OPEN_RDWR), 0);
  EXPECT_EQ(oskit_devctl_verify(none, nullptr, 0, 0), 0);
  EXPECT_EQ(oskit_devctl_verify(none, &v, 1, OSKIT_DEVCTL_OPEN_RDWR), OSKIT_EINVAL);
  EXPECT_EQ(oskit_devctl_verify(to, &v, sizeof v + 1, OSKIT_DEVCTL_OPEN_RDWR), OSKIT_EINVAL);
  EXPECT_EQ(oskit_devctl_verify(to, &v, sizeof v - 1, OSKIT_DEVCTL_OPEN_RDWR), 0);
  EXPECT_EQ(oskit_devctl_verify(to, nullptr, sizeof v, OSKIT_DEVCTL_OPEN_RDWR), OSKIT_EFAULT);
}

}  // namespace
