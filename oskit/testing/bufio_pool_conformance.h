// Conformance suite for oskit_bufio_pool (oskit/io/bufio_pool.h): alloc gives
// the caller a buffer of at least the size asked that is its own (writes to
// one buffer do not reach another), refuses a NULL out-parameter, and the
// buffers and the pool go away with their last references.
//
// Factory:
//   static oskit::ComPtr<oskit_bufio_pool> make();  // a pool with at least two free buffers
//   static constexpr oskit_size_t kBufferSize;      // a size every alloc of the pool can give
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, BufioPoolConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_BUFIO_POOL_CONFORMANCE_H
#define OSKIT_TESTING_BUFIO_POOL_CONFORMANCE_H

#include <string>

#include "gtest/gtest.h"
#include "oskit/com/ptr.h"
#include "oskit/io/bufio_pool.h"
#include "oskit/testing/leak_check.h"

namespace oskit::testing {

template <class Factory>
class BufioPoolConformance : public LeakCheckedTest {};

TYPED_TEST_SUITE_P(BufioPoolConformance);

TYPED_TEST_P(BufioPoolConformance, AllocGivesALargeEnoughBufferOfItsOwn) {
  ComPtr<oskit_bufio_pool> pool = TypeParam::make();
  ASSERT_TRUE(pool);
  ComPtr<oskit_bufio> a, b;
  ASSERT_EQ(pool->alloc(TypeParam::kBufferSize, a.put()), 0);
  ASSERT_EQ(oskit_bufio_pool_alloc(pool.get(), TypeParam::kBufferSize, b.put()), 0);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a.get(), b.get());
  oskit_off_t size = 0;
  ASSERT_EQ(a->getsize(&size), 0);
  EXPECT_GE(size, static_cast<oskit_off_t>(TypeParam::kBufferSize));
  const std::string text = "first";
  oskit_size_t n = 0;
  ASSERT_EQ(a->write(text.data(), 0, text.size(), &n), 0);
  ASSERT_EQ(b->write("other", 0, 5, &n), 0);
  std::string back(text.size(), '\0');
  ASSERT_EQ(a->read(&back[0], 0, back.size(), &n), 0);
  EXPECT_EQ(back, text);
}

TYPED_TEST_P(BufioPoolConformance, AllocRefusesANullOutParameter) {
  ComPtr<oskit_bufio_pool> pool = TypeParam::make();
  ASSERT_TRUE(pool);
  EXPECT_EQ(pool->alloc(TypeParam::kBufferSize, nullptr), OSKIT_E_POINTER);
}

TYPED_TEST_P(BufioPoolConformance, BuffersOutliveTheirPoolReference) {
  ComPtr<oskit_bufio> buf;
  {
    ComPtr<oskit_bufio_pool> pool = TypeParam::make();
    ASSERT_TRUE(pool);
    ASSERT_EQ(pool->alloc(TypeParam::kBufferSize, buf.put()), 0);
  }
  oskit_size_t n = 0;
  EXPECT_EQ(buf->write("still here", 0, 10, &n), 0);
  EXPECT_EQ(n, 10u);
}

REGISTER_TYPED_TEST_SUITE_P(BufioPoolConformance, AllocGivesALargeEnoughBufferOfItsOwn, AllocRefusesANullOutParameter,
                            BuffersOutliveTheirPoolReference);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_BUFIO_POOL_CONFORMANCE_H
