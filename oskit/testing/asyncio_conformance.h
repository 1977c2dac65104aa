// Conformance suite for oskit_asyncio (OSKit manual 7.2): poll reports the
// conditions true now; add_listener returns the conditions already true;
// listeners hear about conditions that become true (spurious notifications
// are allowed); remove_listener of an unregistered listener is an error;
// listeners are released when removed or when the object goes.
//
// Factory:
//   struct Instance {
//     oskit::ComPtr<oskit_asyncio> io;
//     std::function<void()> make_readable;  // makes input pending (no-op when kAlwaysReady)
//   };
//   static Instance make();               // nothing pending to read unless kAlwaysReady
//   static constexpr bool kAlwaysReady;   // random access: readable and writable at all times
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, AsyncioConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_ASYNCIO_CONFORMANCE_H
#define OSKIT_TESTING_ASYNCIO_CONFORMANCE_H

#include <sched.h>

#include "gtest/gtest.h"
#include "oskit/com/heap.h"
#include "oskit/com/ptr.h"
#include "oskit/io/asyncio.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/test_listener.h"

namespace oskit::testing {

template <class Factory>
class AsyncioConformance : public InstanceTest<Factory> {
 protected:
  using InstanceTest<Factory>::io;
  using InstanceTest<Factory>::inst_;
  // Waits (without a time limit) until poll reports READABLE.
  void wait_readable() {
    while ((io()->poll() & OSKIT_ASYNCIO_READABLE) == 0) sched_yield();
  }
};

TYPED_TEST_SUITE_P(AsyncioConformance);

TYPED_TEST_P(AsyncioConformance, PollReportsOnlyDefinedConditions) {
  oskit_error_t rc = this->io()->poll();
  ASSERT_GE(rc, 0);
  EXPECT_EQ(rc & ~OSKIT_ASYNCIO_ALL, 0);
  if (TypeParam::kAlwaysReady) {
    EXPECT_EQ(rc & OSKIT_ASYNCIO_READABLE, OSKIT_ASYNCIO_READABLE);
  } else {
    EXPECT_EQ(rc & OSKIT_ASYNCIO_READABLE, 0) << "a fresh object reports input pending";
  }
}

TYPED_TEST_P(AsyncioConformance, AddListenerRefusesBadArguments) {
  ComPtr<TestListener> l = make<TestListener>();
  EXPECT_EQ(this->io()->add_listener(nullptr, OSKIT_ASYNCIO_READABLE), OSKIT_E_POINTER);
  EXPECT_EQ(this->io()->add_listener(l.get(), 0), OSKIT_EINVAL);
  EXPECT_EQ(this->io()->add_listener(l.get(), OSKIT_ASYNCIO_ALL + 1), OSKIT_EINVAL);
  EXPECT_EQ(this->io()->add_listener(l.get(), -1), OSKIT_EINVAL);
  EXPECT_TRUE(OSKIT_FAILED(this->io()->remove_listener(l.get()))) << "a refused listener was registered";
}

TYPED_TEST_P(AsyncioConformance, RemovingAnUnknownListenerIsAnError) {
  ComPtr<TestListener> a = make<TestListener>();
  ComPtr<TestListener> b = make<TestListener>();
  EXPECT_TRUE(OSKIT_FAILED(this->io()->remove_listener(a.get())));
  ASSERT_GE(this->io()->add_listener(a.get(), OSKIT_ASYNCIO_READABLE), 0);
  EXPECT_TRUE(OSKIT_FAILED(this->io()->remove_listener(b.get())));
  EXPECT_EQ(this->io()->remove_listener(a.get()), 0);
  EXPECT_TRUE(OSKIT_FAILED(this->io()->remove_listener(a.get()))) << "removed twice";
  EXPECT_EQ(this->io()->remove_listener(nullptr), OSKIT_E_POINTER);
}

TYPED_TEST_P(AsyncioConformance, AddListenerReturnsTheConditionsAlreadyTrue) {
  this->inst_.make_readable();
  this->wait_readable();
  ComPtr<TestListener> l = make<TestListener>();
  oskit_error_t rc = this->io()->add_listener(l.get(), OSKIT_ASYNCIO_READABLE);
  ASSERT_GE(rc, 0);
  EXPECT_EQ(rc & OSKIT_ASYNCIO_READABLE, OSKIT_ASYNCIO_READABLE);
  EXPECT_EQ(rc & ~OSKIT_ASYNCIO_ALL, 0);
  EXPECT_EQ(this->io()->remove_listener(l.get()), 0);
}

TYPED_TEST_P(AsyncioConformance, ListenerHearsWhenInputArrives) {
  ComPtr<TestListener> l = make<TestListener>();
  oskit_error_t rc = this->io()->add_listener(l.get(), OSKIT_ASYNCIO_READABLE);
  ASSERT_GE(rc, 0);
  if (!TypeParam::kAlwaysReady) {
    ASSERT_EQ(rc & OSKIT_ASYNCIO_READABLE, 0);
    this->inst_.make_readable();
    l->wait_beyond(0);  // no time limit: a lost notification hangs here
    EXPECT_NE(l->last(), nullptr);
  } else {
    EXPECT_EQ(rc & OSKIT_ASYNCIO_READABLE, OSKIT_ASYNCIO_READABLE);
  }
  EXPECT_NE(this->io()->poll() & OSKIT_ASYNCIO_READABLE, 0);
  EXPECT_GT(this->io()->readable(), 0);
  EXPECT_GT(oskit_asyncio_readable(this->io()), 0);
  EXPECT_EQ(oskit_asyncio_remove_listener(this->io(), l.get()), 0);
}

TYPED_TEST_P(AsyncioConformance, TheNotifiedObjectIsThisObject) {
  if (TypeParam::kAlwaysReady) GTEST_SKIP() << "conditions never change: no notification to inspect";
  ComPtr<TestListener> l = make<TestListener>();
  ComPtr<oskit_iunknown> identity;
  ASSERT_EQ(query<oskit_iunknown>(this->io(), &identity), 0);
  ASSERT_GE(this->io()->add_listener(l.get(), OSKIT_ASYNCIO_READABLE), 0);
  this->inst_.make_readable();
  l->wait_beyond(0);
  ComPtr<oskit_iunknown> notified;
  ASSERT_EQ(query<oskit_iunknown>(l->last(), &notified), 0);
  EXPECT_EQ(notified, identity);
  EXPECT_EQ(this->io()->remove_listener(l.get()), 0);
}

TYPED_TEST_P(AsyncioConformance, ListenerMayRemoveItselfWhileNotified) {
  if (TypeParam::kAlwaysReady) GTEST_SKIP() << "conditions never change: no notification to act in";
  ComPtr<TestListener> l = make<TestListener>();
  oskit_asyncio* io = this->io();
  oskit_listener* self = l.get();
  std::atomic<oskit_error_t> removed{1};
  l->on_notify([io, self, &removed](oskit_iunknown*) {
    oskit_error_t expected = 1;
    removed.compare_exchange_strong(expected, io->remove_listener(self));
  });
  ASSERT_GE(io->add_listener(l.get(), OSKIT_ASYNCIO_READABLE), 0);
  this->inst_.make_readable();
  l->wait_beyond(0);
  EXPECT_EQ(removed.load(), 0);
  EXPECT_TRUE(OSKIT_FAILED(io->remove_listener(l.get())));
  l->on_notify(nullptr);
}

TYPED_TEST_P(AsyncioConformance, AddingAgainKeepsOneRegistration) {
  ComPtr<TestListener> l = make<TestListener>();
  ASSERT_GE(this->io()->add_listener(l.get(), OSKIT_ASYNCIO_READABLE), 0);
  ASSERT_GE(this->io()->add_listener(l.get(), OSKIT_ASYNCIO_READABLE | OSKIT_ASYNCIO_EXCEPTION), 0);
  EXPECT_EQ(this->io()->remove_listener(l.get()), 0);
  EXPECT_TRUE(OSKIT_FAILED(this->io()->remove_listener(l.get())));
}

TYPED_TEST_P(AsyncioConformance, ListenersAreReleasedWithTheObject) {
  const long before = oskit_live_objects();
  oskit_listener* raw = make<TestListener>().detach();
  ASSERT_GE(oskit_asyncio_add_listener(this->io(), raw, OSKIT_ASYNCIO_ALL), 0);
  raw->release();  // only the object holds it now
  EXPECT_EQ(oskit_live_objects(), before + 1);
  this->inst_ = {};  // the object goes, and with it the listener
  EXPECT_EQ(oskit_live_objects(), this->baseline());
}

REGISTER_TYPED_TEST_SUITE_P(AsyncioConformance, PollReportsOnlyDefinedConditions, AddListenerRefusesBadArguments,
                            RemovingAnUnknownListenerIsAnError, AddListenerReturnsTheConditionsAlreadyTrue,
                            ListenerHearsWhenInputArrives, TheNotifiedObjectIsThisObject,
                            ListenerMayRemoveItselfWhileNotified, AddingAgainKeepsOneRegistration,
                            ListenersAreReleasedWithTheObject);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_ASYNCIO_CONFORMANCE_H
