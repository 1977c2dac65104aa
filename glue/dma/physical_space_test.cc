// Physical-mode spaces: addresses are the ones /proc/self/pagemap gives, a
// region never spans pages that are not physically adjacent, and memory from
// outside the space's huge pages is refused. Every test skips, saying why,
// where the machine gives no physical-mode space (not root, no huge pages).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "glue/dma/dma.h"
#include "glue/dma/testing/physical.h"
#include "gtest/gtest.h"
#include "oskit/testing/dma_space_conformance.h"

namespace oskit {
namespace {

struct PhysicalSpace {
  static ComPtr<oskit_dma_space> make(std::string* why) { return dma::testing::make_physical_space(4 << 20, why); }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Physical, DmaSpaceConformance, ::testing::Types<PhysicalSpace>);
}  // namespace oskit::testing

namespace oskit {
namespace {

constexpr oskit_u32_t kDevice = 3;

class PhysicalSpaceTest : public testing::LeakCheckedTest {
 protected:
  void SetUp() override {
    LeakCheckedTest::SetUp();
    std::string why;
    huge_page_ = dma::testing::huge_page_size();
    space_ = dma::testing::make_physical_space(4 * huge_page_, &why);
    if (!space_) GTEST_SKIP() << why;
  }
  void TearDown() override {
    space_.reset();
    LeakCheckedTest::TearDown();
  }
  ComPtr<oskit_dma_space> space_;
  oskit_size_t huge_page_ = 0;
};

TEST_F(PhysicalSpaceTest, AddressesAreThePhysicalAddressesPagemapGives) {
  void* cpu = nullptr;
  ASSERT_EQ(space_->alloc_mem(3000, 64, &cpu), 0);
  char* bytes = static_cast<char*>(cpu);
  for (oskit_size_t offset : {oskit_size_t{0}, oskit_size_t{1}, oskit_size_t{100}, oskit_size_t{2999}}) {
    oskit_addr_t addr = 0;
    ASSERT_EQ(space_->wire(bytes + offset, 1, &addr), 0);
    EXPECT_EQ(addr, dma::testing::pagemap_address(bytes + offset)) << "offset " << offset;
    ASSERT_EQ(space_->unwire(addr, 1), 0);
  }
  oskit_dma_stats_t stats;
  ASSERT_EQ(space_->getstats(&stats), 0);
  EXPECT_EQ(stats.mode, OSKIT_DMA_MODE_PHYS);
  EXPECT_EQ(space_->free_mem(cpu, 3000), 0);
}

TEST_F(PhysicalSpaceTest, AHugePageIsOnePhysicallyContiguousRegion) {
  void* cpu = nullptr;
  ASSERT_EQ(space_->alloc_mem(huge_page_, huge_page_, &cpu), 0);
  char* bytes = static_cast<char*>(cpu);
  oskit_addr_t addr = 0;
  ASSERT_EQ(space_->wire(bytes, huge_page_, &addr), 0);
  for (oskit_size_t offset = 0; offset < huge_page_; offset += 4096) {
    ASSERT_EQ(dma::testing::pagemap_address(bytes + offset), addr + offset) << "4 KiB page at offset " << offset;
  }
  ASSERT_EQ(oskit_dma_device_write(space_.get(), kDevice, addr + huge_page_ - 4, "last", 4), 0);
  EXPECT_EQ(std::string(bytes + huge_page_ - 4, 4), "last");
  ASSERT_EQ(space_->unwire(addr, huge_page_), 0);
  EXPECT_EQ(oskit_dma_device_write(space_.get(), kDevice, addr, "gone", 4), OSKIT_EFAULT);
  EXPECT_EQ(space_->free_mem(cpu, huge_page_), 0);
}

TEST_F(PhysicalSpaceTest, AllocationsNeverSpanPagesThatAreNotAdjacent) {
  std::vector<void*> blocks;
  for (;;) {
    void* cpu = nullptr;
    if (space_->alloc_mem(huge_page_ / 2 + 4096, 64, &cpu) != 0) break;
    blocks.push_back(cpu);
    oskit_addr_t addr = 0;
    ASSERT_EQ(space_->wire(cpu, huge_page_ / 2 + 4096, &addr), 0) << "an allocation that cannot be wired whole";
    EXPECT_EQ(dma::testing::pagemap_address(static_cast<char*>(cpu) + huge_page_ / 2 + 4095),
              addr + huge_page_ / 2 + 4095);
    ASSERT_EQ(space_->unwire(addr, huge_page_ / 2 + 4096), 0);
  }
  EXPECT_GE(blocks.size(), 4u) << "four huge pages hold at least four such blocks";
  void* cpu = nullptr;
  EXPECT_EQ(space_->alloc_mem(huge_page_ / 2 + 4096, 64, &cpu), OSKIT_ENOMEM);
  for (void* b : blocks) EXPECT_EQ(space_->free_mem(b, huge_page_ / 2 + 4096), 0);
}

TEST_F(PhysicalSpaceTest, MemoryOutsideTheSpacesHugePagesIsRefused) {
  std::vector<char> heap(4096);
  oskit_addr_t addr = 1;
  EXPECT_EQ(space_->wire(heap.data(), heap.size(), &addr), OSKIT_ENOTSUP);
  EXPECT_EQ(addr, 0u);
}

TEST_F(PhysicalSpaceTest, OverlappingWiringsAreRefused) {
  void* cpu = nullptr;
  ASSERT_EQ(space_->alloc_mem(8192, 64, &cpu), 0);
  char* bytes = static_cast<char*>(cpu);
  oskit_addr_t a = 0, b = 0;
  ASSERT_EQ(space_->wire(bytes + 1000, 1000, &a), 0);
  EXPECT_EQ(space_->wire(bytes + 1999, 10, &b), OSKIT_EBUSY);
  EXPECT_EQ(space_->wire(bytes, 1001, &b), OSKIT_EBUSY);
  ASSERT_EQ(space_->wire(bytes + 2000, 10, &b), 0) << "adjacent is not overlapping";
  EXPECT_EQ(space_->unwire(a, 1000), 0);
  EXPECT_EQ(space_->unwire(b, 10), 0);
  EXPECT_EQ(space_->free_mem(cpu, 8192), 0);
}

}  // namespace
}  // namespace oskit
