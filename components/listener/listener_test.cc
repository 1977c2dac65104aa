#include "components/listener/listener.h"

#include <atomic>

#include "gtest/gtest.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/listener_conformance.h"

namespace oskit {
namespace {

std::atomic<int> notified{0};
oskit_iunknown_t* last_source = nullptr;

oskit_error_t count(oskit_iunknown_t* obj, void*) {
  notified++;
  last_source = obj;
  return 0;
}

struct FunctionListenerFactory {
  static ComPtr<oskit_listener> make() { return ComPtr<oskit_listener>::adopt(oskit_create_listener(count, nullptr)); }
  static int notifications(oskit_listener*) { return notified; }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_listener>::value}; }
};

struct FunctionListenerDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(FunctionListenerFactory::make()); }
  static const char* kind() { return "listener"; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(FunctionListener, ComConformance, ::testing::Types<FunctionListenerFactory>);
INSTANTIATE_TYPED_TEST_SUITE_P(FunctionListener, ListenerConformance, ::testing::Types<FunctionListenerFactory>);
INSTANTIATE_TYPED_TEST_SUITE_P(FunctionListener, DescribeConformance, ::testing::Types<FunctionListenerDescribe>);
}  // namespace oskit::testing

namespace oskit {
namespace {

oskit_error_t answer_with_arg(oskit_iunknown_t*, void* arg) { return *static_cast<oskit_error_t*>(arg); }

TEST(FunctionListener, PassesTheSourceAndArgument) {
  ComPtr<oskit_listener> l = FunctionListenerFactory::make();
  ComPtr<oskit_iunknown> source = ComPtr<oskit_iunknown>::adopt(oskit_create_listener(count, nullptr));
  ASSERT_EQ(l->notify(source.get()), 0);
  EXPECT_EQ(last_source, source.get());
  oskit_error_t answer = OSKIT_EAGAIN;
  ComPtr<oskit_listener> l2 = ComPtr<oskit_listener>::adopt(oskit_create_listener(answer_with_arg, &answer));
  EXPECT_EQ(l2->notify(nullptr), OSKIT_EAGAIN);
}

TEST(FunctionListener, NullCallbackIsRefused) { EXPECT_EQ(oskit_create_listener(nullptr, nullptr), nullptr); }

}  // namespace
}  // namespace oskit
