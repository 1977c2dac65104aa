// A test fixture base that fails a test which leaves COM objects alive.
#ifndef OSKIT_TESTING_LEAK_CHECK_H
#define OSKIT_TESTING_LEAK_CHECK_H

#include "gtest/gtest.h"
#include "oskit/com/heap.h"

namespace oskit::testing {

class LeakCheckedTest : public ::testing::Test {
 protected:
  void SetUp() override { baseline_ = oskit_live_objects(); }
  void TearDown() override {
    EXPECT_EQ(oskit_live_objects(), baseline_) << "objects leaked: reference counts did not return to zero";
  }
  // The live objects when the test began.
  long baseline() const { return baseline_; }

 private:
  long baseline_ = 0;
};

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_LEAK_CHECK_H
