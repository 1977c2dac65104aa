// Conformance suite for oskit_osenv_log (oskit/osenv.h): every level is
// accepted, a level above OSKIT_OSENV_LOG_ERROR is OSKIT_EINVAL, a NULL
// message is OSKIT_E_POINTER unless its length is 0, and exactly length bytes
// are taken (the message need not be NUL-terminated).
//
// Factory (constructed for each test, destroyed after it):
//   oskit_osenv_log* log();                  // borrowed, valid while the factory lives
//   bool last_message(std::string* out);     // the last message recorded, when the
//                                            // sink can tell (false otherwise)
// Instantiate, inside namespace oskit::testing:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, OsenvLogConformance, ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_OSENV_LOG_CONFORMANCE_H
#define OSKIT_TESTING_OSENV_LOG_CONFORMANCE_H

#include <string>

#include "gtest/gtest.h"
#include "oskit/osenv.h"

namespace oskit::testing {

template <class Factory>
class OsenvLogConformance : public ::testing::Test {
 protected:
  Factory factory_;
};

TYPED_TEST_SUITE_P(OsenvLogConformance);

TYPED_TEST_P(OsenvLogConformance, EveryLevelIsAccepted) {
  oskit_osenv_log* l = this->factory_.log();
  for (oskit_u32_t level = OSKIT_OSENV_LOG_DEBUG; level <= OSKIT_OSENV_LOG_ERROR; ++level) {
    const std::string message = "osenv log conformance, level " + std::to_string(level);
    EXPECT_EQ(oskit_osenv_log_log(l, level, message.data(), message.size()), 0) << level;
    std::string last;
    if (this->factory_.last_message(&last)) {
      EXPECT_EQ(last, message);
    }
  }
}

TYPED_TEST_P(OsenvLogConformance, AnUnknownLevelIsRefused) {
  EXPECT_EQ(this->factory_.log()->log(OSKIT_OSENV_LOG_ERROR + 1, "x", 1), OSKIT_EINVAL);
  EXPECT_EQ(this->factory_.log()->log(0xffffffffu, "x", 1), OSKIT_EINVAL);
}

TYPED_TEST_P(OsenvLogConformance, ANullMessageNeedsALengthOfZero) {
  EXPECT_EQ(this->factory_.log()->log(OSKIT_OSENV_LOG_INFO, nullptr, 3), OSKIT_E_POINTER);
  EXPECT_EQ(this->factory_.log()->log(OSKIT_OSENV_LOG_INFO, nullptr, 0), 0);
}

TYPED_TEST_P(OsenvLogConformance, ExactlyLengthBytesAreTaken) {
  const char unterminated[6] = {'a', 'b', 'c', 'd', 'e', 'f'};
  EXPECT_EQ(this->factory_.log()->log(OSKIT_OSENV_LOG_INFO, unterminated, 3), 0);
  std::string last;
  if (this->factory_.last_message(&last)) {
    EXPECT_EQ(last, "abc");
  }
}

REGISTER_TYPED_TEST_SUITE_P(OsenvLogConformance, EveryLevelIsAccepted, AnUnknownLevelIsRefused,
                            ANullMessageNeedsALengthOfZero, ExactlyLengthBytesAreTaken);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_OSENV_LOG_CONFORMANCE_H
