// The bounded pool of recycled buffers (oskit_bufio_recycled_pool_create).
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "components/membufio/membufio.h"
#include "glue/dma/dma.h"
#include "glue/env/counting_env.h"
#include "gtest/gtest.h"
#include "oskit/testing/bufio_conformance.h"
#include "oskit/testing/bufio_pool_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/leak_check.h"

namespace oskit {
namespace {

ComPtr<oskit_bufio_pool> recycled_pool(oskit_size_t count, oskit_size_t size) {
  ComPtr<oskit_bufio_pool> pool;
  EXPECT_EQ(oskit_bufio_recycled_pool_create(count, size, pool.put()), 0);
  return pool;
}

struct RecycledPoolFactory {
  static constexpr oskit_size_t kBufferSize = 1514;
  static ComPtr<oskit_bufio_pool> make() { return recycled_pool(4, kBufferSize); }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_bufio_pool>::value}; }
};

// A buffer of a one-buffer pool, the pool's last outside reference dropped.
struct RecycledBufio {
  static constexpr bool kFixedSize = true;
  static constexpr bool kWritesExtend = false;
  static constexpr bool kWire = true;
  static ComPtr<oskit_dma_space> wire_space() {  // recycled buffers wire into the default space
    ComPtr<oskit_dma_space> space;
    EXPECT_EQ(oskit_dma_default_space(space.put()), 0);
    return space;
  }
  static ComPtr<oskit_bufio> make(oskit_size_t size) {
    ComPtr<oskit_bufio> buf;
    EXPECT_EQ(recycled_pool(1, size)->alloc(size, buf.put()), 0);
    return buf;
  }
  static ComPtr<oskit_iunknown> make() { return make(oskit_size_t{64}); }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_bufio>::value, iid_of<oskit_absio>::value, iid_of<oskit_blkio>::value};
  }
};

struct RecycledPoolDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(RecycledPoolFactory::make()); }
  static const char* kind() { return "recycled_bufio_pool"; }
};
struct RecycledBufioDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(RecycledBufio::make(oskit_size_t{64})); }
  static const char* kind() { return "membufio"; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(RecycledPool, DescribeConformance, ::testing::Types<RecycledPoolDescribe>);
INSTANTIATE_TYPED_TEST_SUITE_P(RecycledBufio, DescribeConformance, ::testing::Types<RecycledBufioDescribe>);
INSTANTIATE_TYPED_TEST_SUITE_P(RecycledPool, ComConformance, ::testing::Types<RecycledPoolFactory>);
INSTANTIATE_TYPED_TEST_SUITE_P(RecycledPool, BufioPoolConformance, ::testing::Types<RecycledPoolFactory>);
INSTANTIATE_TYPED_TEST_SUITE_P(RecycledBufio, ComConformance, ::testing::Types<RecycledBufio>);
INSTANTIATE_TYPED_TEST_SUITE_P(RecycledBufio, AbsioConformance, ::testing::Types<RecycledBufio>);
INSTANTIATE_TYPED_TEST_SUITE_P(RecycledBufio, BufioConformance, ::testing::Types<RecycledBufio>);
}  // namespace oskit::testing

namespace oskit {
namespace {

using RecycledPoolTest = testing::LeakCheckedTest;

TEST_F(RecycledPoolTest, EachBufferIsHandedOutOnceUntilReleased) {
  ComPtr<oskit_bufio_pool> pool = recycled_pool(3, 256);
  ComPtr<oskit_bufio> a, b, c, d;
  ASSERT_EQ(pool->alloc(256, a.put()), 0);
  ASSERT_EQ(pool->alloc(10, b.put()), 0);
  ASSERT_EQ(pool->alloc(0, c.put()), 0);
  std::set<oskit_bufio*> distinct = {a.get(), b.get(), c.get()};
  EXPECT_EQ(distinct.size(), 3u);
  EXPECT_EQ(pool->alloc(1, d.put()), OSKIT_EAGAIN) << "bounded: all three are out";
  EXPECT_FALSE(d);
  oskit_off_t size = 0;
  ASSERT_EQ(b->getsize(&size), 0);
  EXPECT_EQ(size, 256) << "every buffer has the pool's size";
  oskit_bufio* recycled = b.get();
  b.reset();
  ASSERT_EQ(pool->alloc(64, d.put()), 0);
  EXPECT_EQ(d.get(), recycled) << "the released buffer comes back";
}

TEST_F(RecycledPoolTest, AKeptReferenceKeepsTheBufferOut) {
  ComPtr<oskit_bufio_pool> pool = recycled_pool(1, 64);
  ComPtr<oskit_bufio> buf;
  ASSERT_EQ(pool->alloc(64, buf.put()), 0);
  ComPtr<oskit_bufio> kept = buf;  // a consumer keeping the packet
  buf.reset();
  ComPtr<oskit_bufio> other;
  EXPECT_EQ(pool->alloc(64, other.put()), OSKIT_EAGAIN);
  kept.reset();
  EXPECT_EQ(pool->alloc(64, other.put()), 0);
}

TEST_F(RecycledPoolTest, ABufferGoesBackUnwiredAndUnmapped) {
  ComPtr<oskit_bufio_pool> pool = recycled_pool(1, 512);
  ComPtr<oskit_bufio> buf;
  ASSERT_EQ(pool->alloc(512, buf.put()), 0);
  oskit_addr_t addr = 0;
  ASSERT_EQ(buf->wire(&addr, 0, 512), 0);
  void* mapped = nullptr;
  ASSERT_EQ(buf->map(&mapped, 0, 512), 0);
  oskit_bufio* first = buf.get();
  buf.reset();  // released wired and mapped
  ASSERT_EQ(pool->alloc(512, buf.put()), 0);
  ASSERT_EQ(buf.get(), first);
  EXPECT_EQ(buf->unwire(addr, 0, 512), OSKIT_EINVAL) << "the last release ended the wiring";
  EXPECT_EQ(buf->unmap(mapped, 0, 512), OSKIT_EINVAL) << "and the mapping";
  ASSERT_EQ(buf->wire(&addr, 0, 512), 0) << "the whole buffer wires again";
  ASSERT_EQ(buf->unwire(addr, 0, 512), 0);
  EXPECT_EQ(buf->setsize(100), OSKIT_E_NOTIMPL) << "recycled buffers keep their size";
}

TEST_F(RecycledPoolTest, RefusesBadArguments) {
  ComPtr<oskit_bufio_pool> pool;
  EXPECT_EQ(oskit_bufio_recycled_pool_create(4, 64, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_bufio_recycled_pool_create(0, 64, pool.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_bufio_recycled_pool_create(4, 0, pool.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_bufio_recycled_pool_create(SIZE_MAX / 2, 16, pool.put()), OSKIT_ENOMEM);
  EXPECT_FALSE(pool);
  pool = recycled_pool(2, 100);
  ComPtr<oskit_bufio> buf;
  EXPECT_EQ(pool->alloc(101, buf.put()), OSKIT_EINVAL) << "larger than the pool's buffers";
  EXPECT_FALSE(buf);
}

TEST_F(RecycledPoolTest, BuffersOutliveThePoolAndTakeItWithThem) {
  ComPtr<oskit_bufio> buf;
  {
    ComPtr<oskit_bufio_pool> pool = recycled_pool(8, 32);
    ASSERT_EQ(pool->alloc(32, buf.put()), 0);
  }
  oskit_size_t n = 0;
  EXPECT_EQ(buf->write("still mine", 0, 10, &n), 0);
  buf.reset();  // the pool and its eight buffers go now: the fixture checks
}

TEST_F(RecycledPoolTest, TheSteadyStateAllocatesNothing) {
  env::CountingEnvironment counting;
  env::ScopedEnvironment scope(&counting);
  ASSERT_TRUE(scope.status().ok()) << scope.status();
  {
    ComPtr<oskit_bufio_pool> pool = recycled_pool(4, 1500);
    const long before = counting.allocations();
    for (int i = 0; i < 10000; i++) {
      ComPtr<oskit_bufio> buf;
      ASSERT_EQ(pool->alloc(1500, buf.put()), 0);
      oskit_size_t n = 0;
      ASSERT_EQ(buf->write(&i, 0, sizeof i, &n), 0);
    }
    EXPECT_EQ(counting.allocations(), before);
  }
  EXPECT_EQ(counting.live_allocations(), 0) << "the pool gives all its memory back";
}

TEST_F(RecycledPoolTest, ConcurrentAllocAndRelease) {
  ComPtr<oskit_bufio_pool> pool = recycled_pool(8, 64);
  std::atomic<long> handed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; i++) {
        ComPtr<oskit_bufio> buf;
        oskit_error_t rc = pool->alloc(64, buf.put());
        if (rc == OSKIT_EAGAIN) continue;
        ASSERT_EQ(rc, 0);
        oskit_size_t n = 0;
        ASSERT_EQ(buf->write(&t, 0, sizeof t, &n), 0);
        int back = -1;
        ASSERT_EQ(buf->read(&back, 0, sizeof back, &n), 0);
        ASSERT_EQ(back, t) << "a buffer handed to two threads at once";
        handed++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(handed.load(), 0);
  std::vector<ComPtr<oskit_bufio>> all(8);
  for (auto& buf : all) EXPECT_EQ(pool->alloc(64, buf.put()), 0) << "every buffer came back";
}

}  // namespace
}  // namespace oskit
