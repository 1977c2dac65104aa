// DMA pools in a physical-mode space: every buffer is physically contiguous
// at the address pagemap gives, and a heap bufio asked to wire there is told
// to fall back to read and write. Skips, saying why, where the machine gives
// no physical-mode space.
#include <string>
#include <vector>

#include "components/membufio/membufio.h"
#include "glue/dma/dma.h"
#include "glue/dma/testing/physical.h"
#include "gtest/gtest.h"
#include "oskit/testing/leak_check.h"

namespace oskit {
namespace {

class PhysicalPoolTest : public testing::LeakCheckedTest {
 protected:
  void SetUp() override {
    LeakCheckedTest::SetUp();
    std::string why;
    space_ = dma::testing::make_physical_space(4 << 20, &why);
    if (!space_) GTEST_SKIP() << why;
  }
  void TearDown() override {
    space_.reset();
    LeakCheckedTest::TearDown();
  }
  ComPtr<oskit_dma_space> space_;
};

TEST_F(PhysicalPoolTest, EveryBufferIsContiguousAtThePagemapAddress) {
  constexpr oskit_size_t kBuffer = 64 * 1024;
  ComPtr<oskit_bufio_pool> pool;
  ASSERT_EQ(oskit_dma_bufio_pool_create(space_.get(), kBuffer, 32, pool.put()), 0);
  std::vector<ComPtr<oskit_bufio>> buffers(32);
  for (auto& io : buffers) {
    ASSERT_EQ(pool->alloc(kBuffer, io.put()), 0);
    void* cpu = nullptr;
    ASSERT_EQ(io->map(&cpu, 0, kBuffer), 0);
    oskit_addr_t addr = 0;
    ASSERT_EQ(io->wire(&addr, 0, kBuffer), 0);
    for (oskit_size_t offset = 0; offset < kBuffer; offset += 4096) {
      ASSERT_EQ(dma::testing::pagemap_address(static_cast<char*>(cpu) + offset), addr + offset);
    }
    ASSERT_EQ(io->unwire(addr, 0, kBuffer), 0);
    ASSERT_EQ(io->unmap(cpu, 0, kBuffer), 0);
  }
}

TEST_F(PhysicalPoolTest, APoolLargerThanTheHugePagesIsRefused) {
  ComPtr<oskit_bufio_pool> pool;
  EXPECT_EQ(oskit_dma_bufio_pool_create(space_.get(), 1 << 20, 64, pool.put()), OSKIT_ENOMEM);
  EXPECT_FALSE(pool);
}

TEST_F(PhysicalPoolTest, HeapMemoryIsToldToFallBackToReadAndWrite) {
  oskit_dma_set_default_space(space_.get());
  ComPtr<oskit_bufio> io = ComPtr<oskit_bufio>::adopt(oskit_bufio_create(4096));
  oskit_addr_t addr = 1;
  EXPECT_EQ(io->wire(&addr, 0, 4096), OSKIT_ENOTSUP);
  EXPECT_EQ(addr, 0u);
  oskit_size_t n = 0;
  EXPECT_EQ(io->write("still usable", 0, 12, &n), 0) << "a refused wire leaves the object as it was";
  oskit_dma_set_default_space(nullptr);
}

}  // namespace
}  // namespace oskit
