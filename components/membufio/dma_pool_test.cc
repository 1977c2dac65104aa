// The DMA pool (oskit_dma_bufio_pool_create) in an IOVA-mode space: the pool
// and its buffers through their interfaces' suites, then the pool's own rules.
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "components/membufio/membufio.h"
#include "glue/dma/dma.h"
#include "gtest/gtest.h"
#include "oskit/testing/absio_conformance.h"
#include "oskit/testing/bufio_conformance.h"
#include "oskit/testing/bufio_pool_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"

namespace oskit {
namespace {

ComPtr<oskit_bufio_pool> make_pool(oskit_dma_space* space, oskit_size_t buffer_size, oskit_u32_t count) {
  ComPtr<oskit_bufio_pool> pool;
  EXPECT_EQ(oskit_dma_bufio_pool_create(space, buffer_size, count, pool.put()), 0);
  return pool;
}

struct DmaPool {
  static constexpr oskit_size_t kBufferSize = 2048;
  static ComPtr<oskit_bufio_pool> make() { return make_pool(nullptr, kBufferSize, 4); }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_bufio_pool>::value}; }
};

// A buffer of a pool of its own, over the default space; the pool object is
// gone by the time the suite holds the buffer.
struct DmaPoolBufio {
  static constexpr bool kFixedSize = false;
  static constexpr bool kWritesExtend = false;
  static constexpr bool kWire = true;
  static ComPtr<oskit_bufio> make(oskit_size_t size) {
    ComPtr<oskit_bufio> io;
    EXPECT_EQ(make_pool(nullptr, size, 2)->alloc(size, io.put()), 0);
    return io;
  }
  static ComPtr<oskit_iunknown> make() { return make(oskit_size_t{64}); }
  static ComPtr<oskit_dma_space> wire_space() {
    ComPtr<oskit_dma_space> space;
    EXPECT_EQ(oskit_dma_default_space(space.put()), 0);
    return space;
  }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_bufio>::value, iid_of<oskit_absio>::value, iid_of<oskit_blkio>::value};
  }
};

struct DmaPoolDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(DmaPool::make()); }
  static const char* kind() { return "dma_bufio_pool"; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(DmaPool, ComConformance, ::testing::Types<DmaPool>);
INSTANTIATE_TYPED_TEST_SUITE_P(DmaPool, BufioPoolConformance, ::testing::Types<DmaPool>);
INSTANTIATE_TYPED_TEST_SUITE_P(DmaPoolBufio, ComConformance, ::testing::Types<DmaPoolBufio>);
INSTANTIATE_TYPED_TEST_SUITE_P(DmaPoolBufio, AbsioConformance, ::testing::Types<DmaPoolBufio>);
INSTANTIATE_TYPED_TEST_SUITE_P(DmaPoolBufio, BufioConformance, ::testing::Types<DmaPoolBufio>);
INSTANTIATE_TYPED_TEST_SUITE_P(DmaPool, DescribeConformance, ::testing::Types<DmaPoolDescribe>);
}  // namespace oskit::testing

namespace oskit {
namespace {

class DmaPoolTest : public testing::LeakCheckedTest {
 protected:
  void SetUp() override {
    LeakCheckedTest::SetUp();
    oskit_dma_space_options_t options = {};
    ASSERT_EQ(oskit_dma_space_create(&options, space_.put()), 0);
  }
  void TearDown() override {
    space_.reset();
    LeakCheckedTest::TearDown();
  }
  oskit_dma_stats_t stats() {
    oskit_dma_stats_t s = {};
    EXPECT_EQ(space_->getstats(&s), 0);
    return s;
  }
  ComPtr<oskit_dma_space> space_;
};

TEST_F(DmaPoolTest, CreationChecksItsArguments) {
  ComPtr<oskit_bufio_pool> pool;
  EXPECT_EQ(oskit_dma_bufio_pool_create(space_.get(), 0, 4, pool.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_dma_bufio_pool_create(space_.get(), 64, 0, pool.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_dma_bufio_pool_create(space_.get(), 64, 4, nullptr), OSKIT_E_POINTER);
  EXPECT_FALSE(pool);
}

TEST_F(DmaPoolTest, ABoundedPoolSaysEAGAINUntilABufferComesBack) {
  ComPtr<oskit_bufio_pool> pool = make_pool(space_.get(), 256, 2);
  ComPtr<oskit_bufio> a, b, c;
  ASSERT_EQ(pool->alloc(256, a.put()), 0);
  ASSERT_EQ(pool->alloc(10, b.put()), 0);
  EXPECT_EQ(pool->alloc(1, c.put()), OSKIT_EAGAIN);
  EXPECT_FALSE(c);
  EXPECT_EQ(pool->alloc(257, c.put()), OSKIT_EINVAL) << "larger than the pool's buffers";
  a.reset();
  EXPECT_EQ(pool->alloc(100, c.put()), 0) << "a released buffer is free again";
}

TEST_F(DmaPoolTest, ARecycledBufferShowsNothingOfItsLastUser) {
  ComPtr<oskit_bufio_pool> pool = make_pool(space_.get(), 128, 1);
  ComPtr<oskit_bufio> io;
  ASSERT_EQ(pool->alloc(128, io.put()), 0);
  oskit_size_t n = 0;
  ASSERT_EQ(io->write(std::string(128, 's').data(), 0, 128, &n), 0);
  ASSERT_EQ(io->setsize(16), 0);
  io.reset();
  ASSERT_EQ(pool->alloc(64, io.put()), 0);
  ASSERT_EQ(io->setsize(128), 0);
  std::string back(128, 'x');
  ASSERT_EQ(io->read(&back[0], 0, 128, &n), 0);
  EXPECT_EQ(back, std::string(128, '\0'));
}

TEST_F(DmaPoolTest, SetsizeWorksUpToTheBufferSize) {
  ComPtr<oskit_bufio_pool> pool = make_pool(space_.get(), 1000, 1);
  ComPtr<oskit_bufio> io;
  ASSERT_EQ(pool->alloc(10, io.put()), 0);
  EXPECT_EQ(io->setsize(1000), 0);
  EXPECT_EQ(io->setsize(1001), OSKIT_EINVAL);
  oskit_off_t size = 0;
  ASSERT_EQ(io->getsize(&size), 0);
  EXPECT_EQ(size, 1000);
}

TEST_F(DmaPoolTest, BuffersWireIntoThePoolsSpace) {
  ComPtr<oskit_bufio_pool> pool = make_pool(space_.get(), 4096, 2);
  ComPtr<oskit_bufio> io;
  ASSERT_EQ(pool->alloc(4096, io.put()), 0);
  oskit_addr_t addr = 0;
  ASSERT_EQ(io->wire(&addr, 0, 4096), 0);
  EXPECT_EQ(stats().regions_wired, 1u);
  EXPECT_EQ(addr % 4096, 0u) << "page-sized buffers are page-aligned";
  ASSERT_EQ(oskit_dma_device_write(space_.get(), 9, addr + 4090, "pooled", 6), 0);
  char back[6];
  oskit_size_t n = 0;
  ASSERT_EQ(io->read(back, 4090, 6, &n), 0);
  EXPECT_EQ(std::string(back, 6), "pooled");
  ASSERT_EQ(io->unwire(addr, 0, 4096), 0);
  EXPECT_EQ(stats().regions_wired, 0u);
}

TEST_F(DmaPoolTest, AWiredBufferOutlivesThePoolAndTheSpaceReferences) {
  ComPtr<oskit_bufio_pool> pool = make_pool(space_.get(), 512, 1);
  ComPtr<oskit_bufio> io;
  ASSERT_EQ(pool->alloc(512, io.put()), 0);
  oskit_addr_t addr = 0;
  ASSERT_EQ(io->wire(&addr, 0, 512), 0);
  pool.reset();
  ComPtr<oskit_dma_space> device_view = space_;  // the device's own reference
  space_.reset();
  ASSERT_EQ(oskit_dma_device_write(device_view.get(), 9, addr, "alive", 5), 0);
  char back[5];
  oskit_size_t n = 0;
  ASSERT_EQ(io->read(back, 0, 5, &n), 0);
  EXPECT_EQ(std::string(back, 5), "alive");
  io.reset();  // the last release unwires and frees the pool's memory
  EXPECT_EQ(oskit_dma_device_write(device_view.get(), 9, addr, "gone", 4), OSKIT_EFAULT);
  space_ = device_view;
}

TEST_F(DmaPoolTest, ACopyComesFromThePoolWhileItHasBuffers) {
  ComPtr<oskit_bufio_pool> pool = make_pool(space_.get(), 256, 2);
  ComPtr<oskit_bufio> io, copy, second_copy, spare;
  ASSERT_EQ(pool->alloc(256, io.put()), 0);
  oskit_size_t n = 0;
  ASSERT_EQ(io->write("copied", 0, 6, &n), 0);
  ASSERT_EQ(io->copy(0, 100, copy.put()), 0);
  EXPECT_EQ(pool->alloc(1, spare.put()), OSKIT_EAGAIN) << "the copy took the pool's last buffer";
  oskit_addr_t addr = 0;
  ASSERT_EQ(copy->wire(&addr, 0, 100), 0);
  EXPECT_EQ(stats().regions_wired, 1u) << "the copy wires into the pool's space";
  ASSERT_EQ(copy->unwire(addr, 0, 100), 0);
  ASSERT_EQ(io->copy(0, 6, second_copy.put()), 0) << "an empty pool still copies, into the heap";
  char back[6];
  ASSERT_EQ(second_copy->read(back, 0, 6, &n), 0);
  EXPECT_EQ(std::string(back, 6), "copied");
}

TEST_F(DmaPoolTest, ThreadsAllocatingWiringAndReleasingShareThePool) {
  ComPtr<oskit_bufio_pool> pool = make_pool(space_.get(), 256, 8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; i++) {
        ComPtr<oskit_bufio> io;
        oskit_error_t rc = pool->alloc(200, io.put());
        if (rc == OSKIT_EAGAIN) continue;
        ASSERT_EQ(rc, 0);
        oskit_addr_t addr = 0;
        ASSERT_EQ(io->wire(&addr, 0, 200), 0);
        const char stamp = static_cast<char>('0' + t);
        ASSERT_EQ(oskit_dma_device_write(space_.get(), 9, addr + 199, &stamp, 1), 0);
        char back = 0;
        oskit_size_t n = 0;
        ASSERT_EQ(io->read(&back, 199, 1, &n), 0);
        ASSERT_EQ(back, stamp);
        if (i % 2) ASSERT_EQ(io->unwire(addr, 0, 200), 0);  // else the release unwires
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(stats().regions_wired, 0u);
}

}  // namespace
}  // namespace oskit
