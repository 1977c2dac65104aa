// Conformance suite for oskit_describe (docs/design.md, "Stack pictures"):
// describe reports the object's kind once, names every extra interface,
// role and counter, reports only live objects it holds, and keeps no
// reference to anything; a NULL sink is refused and a sink of NULL
// functions accepted.
//
// Factory:
//   static oskit::ComPtr<oskit_describe> make();  // an object of the component, set up
//   static const char* kind();                    // the kind it reports
// Instantiate, inside namespace oskit::testing:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, DescribeConformance, ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_DESCRIBE_CONFORMANCE_H
#define OSKIT_TESTING_DESCRIBE_CONFORMANCE_H

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "oskit/com/describe.h"
#include "oskit/com/ptr.h"
#include "oskit/testing/leak_check.h"

namespace oskit::testing {

// What a describe call reported.
struct Reported {
  std::vector<std::string> kinds;
  std::vector<std::string> answers;
  std::vector<std::string> roles;
  std::vector<oskit_iunknown*> held;
  std::vector<std::string> counters;

  static Reported of(oskit_describe* object, oskit_error_t* rc) {
    Reported r;
    const oskit_description_sink sink = {
        &r,
        [](void* ctx, const char* kind, const char*) {
          static_cast<Reported*>(ctx)->kinds.push_back(kind != nullptr ? kind : "");
        },
        [](void* ctx, const char* name) {
          static_cast<Reported*>(ctx)->answers.push_back(name != nullptr ? name : "");
        },
        [](void* ctx, const char* role, oskit_iunknown* held) {
          static_cast<Reported*>(ctx)->roles.push_back(role != nullptr ? role : "");
          static_cast<Reported*>(ctx)->held.push_back(held);
        },
        [](void* ctx, const char* name, oskit_u64_t) {
          static_cast<Reported*>(ctx)->counters.push_back(name != nullptr ? name : "");
        },
    };
    *rc = object->describe(&sink);
    return r;
  }
};

inline oskit_u32_t references_of(oskit_iunknown* object) {
  const oskit_u32_t n = object->addref() - 1;
  object->release();
  return n;
}

template <class Factory>
class DescribeConformance : public LeakCheckedTest {};

TYPED_TEST_SUITE_P(DescribeConformance);

TYPED_TEST_P(DescribeConformance, ANullSinkIsRefused) {
  ComPtr<oskit_describe> d = TypeParam::make();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->describe(nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_describe_describe(d.get(), nullptr), OSKIT_E_POINTER);
}

TYPED_TEST_P(DescribeConformance, ASinkWantingNothingIsAccepted) {
  ComPtr<oskit_describe> d = TypeParam::make();
  ASSERT_TRUE(d);
  const oskit_description_sink nothing = {nullptr, nullptr, nullptr, nullptr, nullptr};
  EXPECT_EQ(d->describe(&nothing), 0);
}

TYPED_TEST_P(DescribeConformance, TheKindIsReportedOnce) {
  ComPtr<oskit_describe> d = TypeParam::make();
  ASSERT_TRUE(d);
  oskit_error_t rc = -1;
  const Reported r = Reported::of(d.get(), &rc);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(r.kinds.size(), 1u);
  EXPECT_EQ(r.kinds[0], TypeParam::kind());
}

TYPED_TEST_P(DescribeConformance, EveryNameIsGivenAndCountersAreDistinct) {
  ComPtr<oskit_describe> d = TypeParam::make();
  ASSERT_TRUE(d);
  oskit_error_t rc = -1;
  const Reported r = Reported::of(d.get(), &rc);
  for (const std::string& name : r.answers) EXPECT_FALSE(name.empty());
  for (const std::string& role : r.roles) EXPECT_FALSE(role.empty());
  std::set<std::string> distinct;
  for (const std::string& name : r.counters) {
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(distinct.insert(name).second) << "counter " << name << " reported twice";
  }
}

TYPED_TEST_P(DescribeConformance, HeldObjectsAreLiveAndNoReferenceIsKept) {
  ComPtr<oskit_describe> d = TypeParam::make();
  ASSERT_TRUE(d);
  const oskit_u32_t own_before = references_of(d.get());
  oskit_error_t rc = -1;
  const Reported first = Reported::of(d.get(), &rc);
  std::vector<oskit_u32_t> held_before;
  for (oskit_iunknown* held : first.held) {
    ASSERT_NE(held, nullptr);
    void* identity = nullptr;
    ASSERT_EQ(held->query(&oskit_iunknown_iid, &identity), 0) << "a held object answers IUnknown";
    static_cast<oskit_iunknown*>(identity)->release();
    held_before.push_back(references_of(held));
  }
  const Reported second = Reported::of(d.get(), &rc);
  EXPECT_EQ(references_of(d.get()), own_before);
  ASSERT_EQ(second.held.size(), first.held.size());
  for (std::size_t i = 0; i < second.held.size(); ++i) {
    EXPECT_EQ(references_of(second.held[i]), held_before[i]) << "held as " << second.roles[i];
  }
}

REGISTER_TYPED_TEST_SUITE_P(DescribeConformance, ANullSinkIsRefused, ASinkWantingNothingIsAccepted,
                            TheKindIsReportedOnce, EveryNameIsGivenAndCountersAreDistinct,
                            HeldObjectsAreLiveAndNoReferenceIsKept);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_DESCRIBE_CONFORMANCE_H
