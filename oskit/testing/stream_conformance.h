// Conformance suite for oskit_stream (COM's IStream as OSKit has it,
// oskit/com/stream.h): read and write move bytes, zero-length transfers do
// nothing, NULL out-parameters are refused, a non-seekable stream answers seek
// with OSKIT_ESPIPE and the methods it cannot support with OSKIT_E_NOTIMPL.
//
// Factory:
//   struct Instance {
//     oskit::ComPtr<oskit_stream> io;
//     std::function<void(const std::string&)> feed;  // makes bytes available to io's read
//     std::function<std::string(size_t)> drain;       // returns exactly n bytes written through io
//   };
//   static Instance make();
//   static constexpr bool kSeekable;
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, StreamConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_STREAM_CONFORMANCE_H
#define OSKIT_TESTING_STREAM_CONFORMANCE_H

#include <functional>
#include <string>

#include "gtest/gtest.h"
#include "oskit/com/ptr.h"
#include "oskit/com/stream.h"
#include "oskit/testing/leak_check.h"

namespace oskit::testing {

template <class Factory>
class StreamConformance : public InstanceTest<Factory> {
 protected:
  using InstanceTest<Factory>::io;
  using InstanceTest<Factory>::inst_;
  // Reads exactly n bytes through the stream (blocking reads).
  std::string read_exactly(size_t n) {
    std::string got;
    while (got.size() < n) {
      char buf[256];
      oskit_u32_t actual = 0;
      oskit_u32_t want = static_cast<oskit_u32_t>(std::min(sizeof buf, n - got.size()));
      oskit_error_t rc = io()->read(buf, want, &actual);
      EXPECT_EQ(rc, 0);
      if (rc != 0 || actual == 0) break;
      got.append(buf, actual);
    }
    return got;
  }
};

TYPED_TEST_SUITE_P(StreamConformance);

TYPED_TEST_P(StreamConformance, WriteReachesTheOtherSide) {
  const std::string msg = "hello, stream";
  oskit_u32_t actual = 0;
  ASSERT_EQ(this->io()->write(msg.data(), static_cast<oskit_u32_t>(msg.size()), &actual), 0);
  EXPECT_EQ(actual, msg.size());
  EXPECT_EQ(this->inst_.drain(msg.size()), msg);
}

TYPED_TEST_P(StreamConformance, ReadGetsWhatTheOtherSideSent) {
  this->inst_.feed("abcdef");
  EXPECT_EQ(this->read_exactly(6), "abcdef");
  this->inst_.feed("xyz");
  EXPECT_EQ(this->read_exactly(3), "xyz");
}

TYPED_TEST_P(StreamConformance, ZeroLengthTransfersMoveNothing) {
  char c = 0;
  oskit_u32_t actual = 99;
  EXPECT_EQ(this->io()->write(&c, 0, &actual), 0);
  EXPECT_EQ(actual, 0u);
  actual = 99;
  EXPECT_EQ(this->io()->read(&c, 0, &actual), 0);
  EXPECT_EQ(actual, 0u);
}

TYPED_TEST_P(StreamConformance, NullArgumentsAreRefused) {
  char c = 0;
  oskit_u32_t actual = 0;
  EXPECT_EQ(this->io()->read(&c, 1, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(this->io()->write(&c, 1, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(this->io()->read(nullptr, 1, &actual), OSKIT_E_POINTER);
  EXPECT_EQ(this->io()->write(nullptr, 1, &actual), OSKIT_E_POINTER);
}

TYPED_TEST_P(StreamConformance, SeekFollowsThePolicy) {
  oskit_u64_t pos = 77;
  oskit_error_t rc = this->io()->seek(0, OSKIT_SEEK_CUR, &pos);
  if (TypeParam::kSeekable) {
    EXPECT_EQ(rc, 0);
  } else {
    EXPECT_EQ(rc, OSKIT_ESPIPE);
    EXPECT_EQ(oskit_stream_seek(this->io(), 10, OSKIT_SEEK_SET, &pos), OSKIT_ESPIPE);
  }
}

TYPED_TEST_P(StreamConformance, UnsupportedMethodsSayNotImplemented) {
  if (TypeParam::kSeekable) GTEST_SKIP() << "a seekable stream may support them all";
  oskit_stream* s = this->io();
  auto ok_or_notimpl = [](oskit_error_t rc) { return rc == 0 || rc == OSKIT_E_NOTIMPL; };
  EXPECT_PRED1(ok_or_notimpl, s->setsize(10));
  EXPECT_PRED1(ok_or_notimpl, s->commit(0));
  EXPECT_PRED1(ok_or_notimpl, s->revert());
  EXPECT_PRED1(ok_or_notimpl, s->lockregion(0, 1, 0));
  EXPECT_PRED1(ok_or_notimpl, s->unlockregion(0, 1, 0));
  oskit_stream* copy = reinterpret_cast<oskit_stream*>(0x1);
  oskit_error_t rc = s->clone(&copy);
  EXPECT_PRED1(ok_or_notimpl, rc);
  if (rc == 0) {
    ASSERT_NE(copy, nullptr);
    copy->release();
  } else {
    EXPECT_EQ(copy, nullptr) << "a failed clone must set *out to NULL";
  }
}

TYPED_TEST_P(StreamConformance, CallableThroughTheCMacros) {
  const std::string msg = "C";
  oskit_u32_t actual = 0;
  ASSERT_EQ(oskit_stream_write(this->io(), msg.data(), 1, &actual), 0);
  EXPECT_EQ(this->inst_.drain(1), msg);
  this->inst_.feed("D");
  char c = 0;
  do {
    ASSERT_EQ(oskit_stream_read(this->io(), &c, 1, &actual), 0);
  } while (actual == 0);
  EXPECT_EQ(c, 'D');
}

REGISTER_TYPED_TEST_SUITE_P(StreamConformance, WriteReachesTheOtherSide, ReadGetsWhatTheOtherSideSent,
                            ZeroLengthTransfersMoveNothing, NullArgumentsAreRefused, SeekFollowsThePolicy,
                            UnsupportedMethodsSayNotImplemented, CallableThroughTheCMacros);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_STREAM_CONFORMANCE_H
