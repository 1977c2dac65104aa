// Conformance suite for oskit_netio (OSKit manual 7.5): push checks its
// packet, does not keep the buffer without a reference of its own, and gives
// every kept reference back when the consumer goes; alloc_bufio gives a buffer
// large enough (or OSKIT_E_NOTIMPL).
//
// Factory:
//   static oskit::ComPtr<oskit_netio> make();  // a consumer that accepts packets
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, NetioConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_NETIO_CONFORMANCE_H
#define OSKIT_TESTING_NETIO_CONFORMANCE_H

#include "gtest/gtest.h"
#include "oskit/com/heap.h"
#include "oskit/com/ptr.h"
#include "oskit/io/netio.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/test_bufio.h"

namespace oskit::testing {

template <class Factory>
class NetioConformance : public LeakCheckedTest {};

TYPED_TEST_SUITE_P(NetioConformance);

TYPED_TEST_P(NetioConformance, PushAcceptsAPacketAndGivesBackItsReferences) {
  ComPtr<oskit_bufio> buf = make_test_bufio(128);
  ASSERT_TRUE(buf);
  {
    ComPtr<oskit_netio> consumer = TypeParam::make();
    ASSERT_TRUE(consumer);
    EXPECT_EQ(consumer->push(buf.get(), 64), 0);
    EXPECT_EQ(consumer->push(buf.get(), 128), 0);
  }
  EXPECT_EQ(buf->addref(), 2u) << "the consumer kept a reference after it was released";
  buf->release();
}

TYPED_TEST_P(NetioConformance, PushRefusesBadPackets) {
  ComPtr<oskit_netio> consumer = TypeParam::make();
  ASSERT_TRUE(consumer);
  ComPtr<oskit_bufio> buf = make_test_bufio(32);
  ASSERT_TRUE(buf);
  EXPECT_EQ(consumer->push(buf.get(), 33), OSKIT_EINVAL) << "size beyond the buffer";
  EXPECT_EQ(consumer->push(nullptr, 0), OSKIT_E_POINTER);
}

TYPED_TEST_P(NetioConformance, AllocBufioGivesALargeEnoughBuffer) {
  ComPtr<oskit_netio> consumer = TypeParam::make();
  ASSERT_TRUE(consumer);
  ComPtr<oskit_bufio> buf;
  oskit_error_t rc = consumer->alloc_bufio(1500, buf.put());
  if (rc == OSKIT_E_NOTIMPL) {
    EXPECT_FALSE(buf);
    return;
  }
  ASSERT_EQ(rc, 0);
  ASSERT_TRUE(buf);
  oskit_off_t size = 0;
  ASSERT_EQ(buf->getsize(&size), 0);
  EXPECT_GE(size, 1500);
  EXPECT_EQ(consumer->alloc_bufio(16, nullptr), OSKIT_E_POINTER);
}

REGISTER_TYPED_TEST_SUITE_P(NetioConformance, PushAcceptsAPacketAndGivesBackItsReferences, PushRefusesBadPackets,
                            AllocBufioGivesALargeEnoughBuffer);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_NETIO_CONFORMANCE_H
