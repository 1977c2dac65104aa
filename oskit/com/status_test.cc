#include "oskit/com/status.h"

#include <cerrno>

#include "gtest/gtest.h"

namespace oskit {
namespace {

TEST(StatusBridge, SuccessIsOk) {
  EXPECT_TRUE(to_status(0).ok());
  EXPECT_EQ(to_error(absl::OkStatus()), 0);
}

TEST(StatusBridge, EveryCodeRoundTrips) {
  for (oskit_error_t rc : {OSKIT_EBADF, OSKIT_EINVAL, OSKIT_E_NOTIMPL, OSKIT_ENOTTY, OSKIT_EWOULDBLOCK, OSKIT_E_FAIL,
                           OSKIT_ETIMEDOUT, OSKIT_E_NOINTERFACE, OSKIT_ERROR_VALUE(0x8f1f0000)}) {
    absl::Status s = to_status(rc, "reading block 7");
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(to_error(s), rc);
  }
}

TEST(StatusBridge, CanonicalCodesAndMessage) {
  absl::Status s = to_status(OSKIT_ENOENT, "opening disk.img");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find("opening disk.img"), absl::string_view::npos);
  EXPECT_NE(s.message().find("No such file"), absl::string_view::npos);
  EXPECT_EQ(to_status(OSKIT_E_NOTIMPL).code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(to_status(OSKIT_EINVAL).code(), absl::StatusCode::kInvalidArgument);
}

TEST(StatusBridge, StatusesWithoutPayloadMapByCode) {
  EXPECT_EQ(to_error(absl::InvalidArgumentError("x")), OSKIT_EINVAL);
  EXPECT_EQ(to_error(absl::UnimplementedError("x")), OSKIT_E_NOTIMPL);
  EXPECT_EQ(to_error(absl::NotFoundError("x")), OSKIT_ENOENT);
  EXPECT_EQ(to_error(absl::UnavailableError("x")), OSKIT_EAGAIN);
  EXPECT_EQ(to_error(absl::UnknownError("x")), OSKIT_E_FAIL);
}

}  // namespace
}  // namespace oskit
