// Conformance suite for oskit_listener (docs/design.md, "The interfaces"): notify can be
// called repeatedly with any object and does not keep it without a reference.
//
// Factory:
//   static oskit::ComPtr<oskit_listener> make();
//   static int notifications(oskit_listener* l);  // how many notify calls l has seen
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, ListenerConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_LISTENER_CONFORMANCE_H
#define OSKIT_TESTING_LISTENER_CONFORMANCE_H

#include "gtest/gtest.h"
#include "oskit/com/heap.h"
#include "oskit/com/listener.h"
#include "oskit/com/ptr.h"
#include "oskit/io/bufio.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/test_bufio.h"

namespace oskit::testing {

template <class Factory>
class ListenerConformance : public LeakCheckedTest {};

TYPED_TEST_SUITE_P(ListenerConformance);

TYPED_TEST_P(ListenerConformance, NotifyReachesTheListenerEachTime) {
  ComPtr<oskit_listener> l = TypeParam::make();
  ASSERT_TRUE(l);
  ComPtr<oskit_bufio> source = make_test_bufio(1);
  const int before = TypeParam::notifications(l.get());
  EXPECT_EQ(l->notify(source.get()), 0);
  EXPECT_EQ(oskit_listener_notify(l.get(), source.get()), 0);
  EXPECT_EQ(TypeParam::notifications(l.get()), before + 2);
  EXPECT_EQ(source->addref(), 2u) << "notify kept a reference to the source";
  source->release();
}

REGISTER_TYPED_TEST_SUITE_P(ListenerConformance, NotifyReachesTheListenerEachTime);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_LISTENER_CONFORMANCE_H
