// The DMA engine over a physical-mode space: it copies between pool buffers
// at their physical addresses and faults on a physical address nothing is
// wired at. Skips, saying why, where the machine gives no physical-mode space.
#include <cstddef>
#include <cstring>
#include <string>

#include "components/dma_engine/dma_engine.h"
#include "components/membufio/membufio.h"
#include "glue/dma/dma.h"
#include "glue/dma/testing/physical.h"
#include "gtest/gtest.h"
#include "oskit/testing/leak_check.h"

namespace oskit {
namespace {

class PhysicalEngineTest : public testing::LeakCheckedTest {
 protected:
  void SetUp() override {
    LeakCheckedTest::SetUp();
    std::string why;
    space_ = dma::testing::make_physical_space(4 << 20, &why);
    if (!space_) GTEST_SKIP() << why;
    oskit_dma_engine_options_t options = {0x77, 8, 0};
    ASSERT_EQ(oskit_dma_engine_create(space_.get(), &options, engine_.put()), 0);
    oskit_u32_t ctrl = OSKIT_DMA_CTRL_ENABLE;
    ASSERT_EQ(engine_->devctl(OSKIT_DMA_DCMD_SETCTRL, &ctrl, sizeof ctrl, nullptr, nullptr), 0);
    ASSERT_EQ(oskit_dma_bufio_pool_create(space_.get(), 64 * 1024, 4, pool_.put()), 0);
  }
  void TearDown() override {
    pool_.reset();
    engine_.reset();
    space_.reset();
    LeakCheckedTest::TearDown();
  }
  oskit_dma_completion run(const oskit_dma_desc& desc) {
    oskit_dma_submit req = {};
    req.count = 1;
    req.desc[0] = desc;
    EXPECT_EQ(
        engine_->devctl(OSKIT_DMA_DCMD_SUBMIT, &req, offsetof(oskit_dma_submit, desc) + sizeof desc, nullptr, nullptr),
        0);
    oskit_dma_reap reap = {};
    reap.max = 1;
    EXPECT_EQ(engine_->devctl(OSKIT_DMA_DCMD_REAP, &reap, sizeof reap, nullptr, nullptr), 0);
    return reap.completion[0];
  }

  ComPtr<oskit_dma_space> space_;
  ComPtr<oskit_devctl> engine_;
  ComPtr<oskit_bufio_pool> pool_;
};

TEST_F(PhysicalEngineTest, CopiesBetweenPhysicalAddresses) {
  ComPtr<oskit_bufio> src, dst;
  ASSERT_EQ(pool_->alloc(64 * 1024, src.put()), 0);
  ASSERT_EQ(pool_->alloc(64 * 1024, dst.put()), 0);
  std::string data(64 * 1024, '\0');
  for (std::size_t i = 0; i < data.size(); i++) data[i] = static_cast<char>(i * 7);
  oskit_size_t n = 0;
  ASSERT_EQ(src->write(data.data(), 0, data.size(), &n), 0);
  oskit_addr_t from = 0, to = 0;
  ASSERT_EQ(src->wire(&from, 0, data.size()), 0);
  ASSERT_EQ(dst->wire(&to, 0, data.size()), 0);
  void* cpu = nullptr;
  ASSERT_EQ(src->map(&cpu, 0, data.size()), 0);
  EXPECT_EQ(from, dma::testing::pagemap_address(cpu)) << "not a physical address";
  ASSERT_EQ(src->unmap(cpu, 0, data.size()), 0);
  oskit_dma_desc copy = {};
  copy.op = OSKIT_DMA_OP_COPY;
  copy.src = from;
  copy.dst = to;
  copy.length = data.size();
  const oskit_dma_completion done = run(copy);
  EXPECT_EQ(done.status, 0);
  std::string back(data.size(), 'x');
  ASSERT_EQ(dst->read(&back[0], 0, back.size(), &n), 0);
  EXPECT_EQ(back, data);
  ASSERT_EQ(dst->unwire(to, 0, data.size()), 0);
  const oskit_dma_completion late = run(copy);
  EXPECT_EQ(late.status, OSKIT_EFAULT);
  EXPECT_EQ(late.fault_addr, to);
  EXPECT_EQ(src->unwire(from, 0, data.size()), 0);
}

}  // namespace
}  // namespace oskit
