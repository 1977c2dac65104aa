// Conformance suite for the COM rules every object obeys (docs/design.md, "The COM model",
// OSKit doc/com.tex): identity, reflexive, symmetric and transitive query;
// query adds a reference; a failed query sets *out to NULL; counts return to
// zero.
//
// Factory:
//   static oskit::ComPtr<oskit_iunknown> make();      // a fresh object
//   static std::vector<oskit_guid> interfaces();      // IIDs it must answer
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, ComConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_COM_CONFORMANCE_H
#define OSKIT_TESTING_COM_CONFORMANCE_H

#include <vector>

#include "gtest/gtest.h"
#include "oskit/com.h"
#include "oskit/com/heap.h"
#include "oskit/com/ptr.h"
#include "oskit/testing/leak_check.h"

namespace oskit::testing {

// A GUID no object answers.
inline constexpr oskit_guid kUnknownIid =
    OSKIT_GUID(0xdeadbeef, 0x0bad, 0xf00d, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef);

// Queries obj for iid and returns the raw referenced pointer (nullptr on failure).
inline oskit_iunknown* query_raw(oskit_iunknown* obj, const oskit_guid& iid) {
  void* out = nullptr;
  oskit_error_t rc = obj->query(&iid, &out);
  if (rc != 0) {
    EXPECT_EQ(out, nullptr) << "a failed query must set *out to NULL";
    return nullptr;
  }
  EXPECT_NE(out, nullptr);
  return static_cast<oskit_iunknown*>(out);
}

// The IUnknown identity of obj, as a raw pointer without a reference.
inline oskit_iunknown* identity_of(oskit_iunknown* obj) {
  oskit_iunknown* id = query_raw(obj, iid_of<oskit_iunknown>::value);
  if (id) id->release();
  return id;
}

template <class Factory>
class ComConformance : public LeakCheckedTest {};

TYPED_TEST_SUITE_P(ComConformance);

TYPED_TEST_P(ComConformance, AnswersEveryListedInterface) {
  ComPtr<oskit_iunknown> obj = TypeParam::make();
  ASSERT_TRUE(obj);
  for (const oskit_guid& iid : TypeParam::interfaces()) {
    oskit_iunknown* p = query_raw(obj.get(), iid);
    ASSERT_NE(p, nullptr) << "interface " << std::hex << iid.data1 << " not answered";
    p->release();
  }
}

TYPED_TEST_P(ComConformance, IdentityIsTheSamePointerFromEveryInterface) {
  ComPtr<oskit_iunknown> obj = TypeParam::make();
  ASSERT_TRUE(obj);
  oskit_iunknown* id = identity_of(obj.get());
  ASSERT_NE(id, nullptr);
  for (const oskit_guid& iid : TypeParam::interfaces()) {
    oskit_iunknown* p = query_raw(obj.get(), iid);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(identity_of(p), id);
    p->release();
  }
}

TYPED_TEST_P(ComConformance, QueryIsReflexiveSymmetricAndTransitive) {
  ComPtr<oskit_iunknown> obj = TypeParam::make();
  ASSERT_TRUE(obj);
  const std::vector<oskit_guid> iids = TypeParam::interfaces();
  for (const oskit_guid& a : iids) {
    oskit_iunknown* pa = query_raw(obj.get(), a);
    ASSERT_NE(pa, nullptr);
    oskit_iunknown* self = query_raw(pa, a);  // reflexive
    EXPECT_NE(self, nullptr);
    if (self) self->release();
    for (const oskit_guid& b : iids) {
      oskit_iunknown* pb = query_raw(pa, b);  // transitive over obj -> a -> b
      ASSERT_NE(pb, nullptr);
      oskit_iunknown* back = query_raw(pb, a);  // symmetric
      EXPECT_NE(back, nullptr);
      if (back) back->release();
      pb->release();
    }
    pa->release();
  }
}

TYPED_TEST_P(ComConformance, QueryAddsAReference) {
  ComPtr<oskit_iunknown> obj = TypeParam::make();
  ASSERT_TRUE(obj);
  const long alive = oskit_live_objects();
  for (const oskit_guid& iid : TypeParam::interfaces()) {
    oskit_iunknown* p = query_raw(obj.get(), iid);
    ASSERT_NE(p, nullptr);
    // Dropping the original reference must leave the object alive through p.
    obj.reset();
    EXPECT_EQ(oskit_live_objects(), alive);
    obj = ComPtr<oskit_iunknown>::adopt(query_raw(p, iid_of<oskit_iunknown>::value));
    ASSERT_TRUE(obj);
    p->release();
  }
}

TYPED_TEST_P(ComConformance, FailedQuerySetsOutToNull) {
  ComPtr<oskit_iunknown> obj = TypeParam::make();
  ASSERT_TRUE(obj);
  void* out = reinterpret_cast<void*>(0x1);
  EXPECT_EQ(obj->query(&kUnknownIid, &out), OSKIT_E_NOINTERFACE);
  EXPECT_EQ(out, nullptr);
}

TYPED_TEST_P(ComConformance, LastReleaseReturnsZeroAndDestroys) {
  const long before = oskit_live_objects();
  oskit_iunknown* raw = TypeParam::make().detach();
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(raw->addref(), 2u);
  EXPECT_EQ(raw->release(), 1u);
  EXPECT_EQ(raw->release(), 0u);
  EXPECT_EQ(oskit_live_objects(), before);
}

REGISTER_TYPED_TEST_SUITE_P(ComConformance, AnswersEveryListedInterface, IdentityIsTheSamePointerFromEveryInterface,
                            QueryIsReflexiveSymmetricAndTransitive, QueryAddsAReference, FailedQuerySetsOutToNull,
                            LastReleaseReturnsZeroAndDestroys);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_COM_CONFORMANCE_H
