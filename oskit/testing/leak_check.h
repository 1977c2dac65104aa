// A test fixture base that fails a test which leaves COM objects alive, naming
// the classes of the objects left.
#ifndef OSKIT_TESTING_LEAK_CHECK_H
#define OSKIT_TESTING_LEAK_CHECK_H

#include <map>
#include <string>

#include "gtest/gtest.h"
#include "oskit/com/heap.h"

namespace oskit::testing {

// Live objects per class name, now.
inline std::map<std::string, long> live_objects_by_class() {
  std::map<std::string, long> counts;
  oskit_object_classes(
      [](const char* name, long live, void* arg) { (*static_cast<std::map<std::string, long>*>(arg))[name] += live; },
      &counts);
  return counts;
}

// The classes with more live objects than in before, with the difference.
inline std::string describe_leaks(const std::map<std::string, long>& before) {
  std::string out;
  for (const auto& [name, live] : live_objects_by_class()) {
    auto it = before.find(name);
    long extra = live - (it == before.end() ? 0 : it->second);
    if (extra > 0) out += "\n  " + std::to_string(extra) + " x " + name;
  }
  return out;
}

class LeakCheckedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    baseline_ = oskit_live_objects();
    classes_ = live_objects_by_class();
  }
  void TearDown() override {
    EXPECT_EQ(oskit_live_objects(), baseline_)
        << "objects leaked: reference counts did not return to zero" << describe_leaks(classes_);
  }
  // The live objects when the test began.
  long baseline() const { return baseline_; }

 private:
  long baseline_ = 0;
  std::map<std::string, long> classes_;
};

// A leak-checked test over one instance that Factory::make() returns as an
// Instance whose io member holds the interface under test; the instance goes
// before the leak check.
template <class Factory>
class InstanceTest : public LeakCheckedTest {
 protected:
  void SetUp() override {
    LeakCheckedTest::SetUp();
    inst_ = Factory::make();
    ASSERT_TRUE(inst_.io);
  }
  void TearDown() override {
    inst_ = {};
    LeakCheckedTest::TearDown();
  }
  auto* io() { return inst_.io.get(); }
  typename Factory::Instance inst_;
};

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_LEAK_CHECK_H
