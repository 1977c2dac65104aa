// IOVA-mode spaces and the default space (glue/dma/dma.h); the interface's
// own rules are the conformance suite's.
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "glue/dma/dma.h"
#include "glue/env/counting_env.h"
#include "gtest/gtest.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/dma_space_conformance.h"

namespace oskit {
namespace {

ComPtr<oskit_dma_space> make_iova_space(std::uint32_t max_regions = 0) {
  oskit_dma_space_options_t options = {};
  options.mode = OSKIT_DMA_MODE_IOVA;
  options.max_regions = max_regions;
  ComPtr<oskit_dma_space> space;
  EXPECT_EQ(oskit_dma_space_create(&options, space.put()), 0);
  return space;
}

struct IovaSpace {
  static ComPtr<oskit_dma_space> make(std::string*) { return make_iova_space(); }
};

struct DefaultSpace {
  static ComPtr<oskit_dma_space> make(std::string*) {
    ComPtr<oskit_dma_space> space;
    EXPECT_EQ(oskit_dma_default_space(space.put()), 0);
    return space;
  }
};

struct SpaceDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(make_iova_space()); }
  static const char* kind() { return "dma_space"; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
using IovaSpaces = ::testing::Types<IovaSpace, DefaultSpace>;
INSTANTIATE_TYPED_TEST_SUITE_P(Iova, DmaSpaceConformance, IovaSpaces);
INSTANTIATE_TYPED_TEST_SUITE_P(Iova, DescribeConformance, ::testing::Types<SpaceDescribe>);
}  // namespace oskit::testing

namespace oskit {
namespace {

constexpr oskit_u32_t kDevice = 7;

class IovaSpaceTest : public testing::LeakCheckedTest {};

TEST_F(IovaSpaceTest, AnyMemoryCanBeWiredAndKeepsItsOffsetInAPage) {
  ComPtr<oskit_dma_space> space = make_iova_space();
  std::vector<char> heap(10000, 'h');
  char stack[100] = "on the stack";
  oskit_addr_t a = 0, b = 0;
  ASSERT_EQ(space->wire(heap.data() + 3, 9000, &a), 0);
  ASSERT_EQ(space->wire(stack, sizeof stack, &b), 0);
  EXPECT_EQ(a % 4096, reinterpret_cast<std::uintptr_t>(heap.data() + 3) % 4096);
  EXPECT_EQ(b % 4096, reinterpret_cast<std::uintptr_t>(stack) % 4096);
  char back[13] = {};
  ASSERT_EQ(oskit_dma_device_read(space.get(), kDevice, b, back, 12), 0);
  EXPECT_STREQ(back, "on the stack");
  ASSERT_EQ(oskit_dma_device_write(space.get(), kDevice, a + 8996, "end!", 4), 0);
  EXPECT_EQ(std::string(heap.data() + 3 + 8996, 4), "end!");
  EXPECT_EQ(oskit_dma_device_write(space.get(), kDevice, a + 8997, "end!", 4), OSKIT_EFAULT);
  EXPECT_EQ(space->unwire(a, 9000), 0);
  EXPECT_EQ(space->unwire(b, sizeof stack), 0);
}

TEST_F(IovaSpaceTest, TheSameMemoryWiredTwiceGetsTwoAddresses) {
  ComPtr<oskit_dma_space> space = make_iova_space();
  char buf[64] = {};
  oskit_addr_t a = 0, b = 0;
  ASSERT_EQ(space->wire(buf, sizeof buf, &a), 0);
  ASSERT_EQ(space->wire(buf, sizeof buf, &b), 0);
  EXPECT_NE(a, b);
  ASSERT_EQ(space->unwire(a, sizeof buf), 0);
  EXPECT_EQ(oskit_dma_device_write(space.get(), kDevice, a, "x", 1), OSKIT_EFAULT);
  EXPECT_EQ(oskit_dma_device_write(space.get(), kDevice, b, "y", 1), 0);
  EXPECT_EQ(buf[0], 'y');
  EXPECT_EQ(space->unwire(b, sizeof buf), 0);
}

TEST_F(IovaSpaceTest, AReusedSlotGivesANewAddress) {
  ComPtr<oskit_dma_space> space = make_iova_space(1);
  char buf[64] = {};
  oskit_addr_t first = 0;
  ASSERT_EQ(space->wire(buf, sizeof buf, &first), 0);
  ASSERT_EQ(space->unwire(first, sizeof buf), 0);
  for (int i = 0; i < 100; i++) {
    oskit_addr_t again = 0;
    ASSERT_EQ(space->wire(buf, sizeof buf, &again), 0);
    EXPECT_NE(again, first) << "round " << i;
    EXPECT_EQ(oskit_dma_device_write(space.get(), kDevice, first, "stale", 5), OSKIT_EFAULT);
    ASSERT_EQ(space->unwire(again, sizeof buf), 0);
  }
  EXPECT_EQ(std::string(buf, 5), std::string(5, '\0'));
}

TEST_F(IovaSpaceTest, AFullTableRefusesWithENOSPCUntilARegionGoes) {
  ComPtr<oskit_dma_space> space = make_iova_space(2);
  char buf[3][16];
  oskit_addr_t addr[3] = {};
  ASSERT_EQ(space->wire(buf[0], 16, &addr[0]), 0);
  ASSERT_EQ(space->wire(buf[1], 16, &addr[1]), 0);
  EXPECT_EQ(space->wire(buf[2], 16, &addr[2]), OSKIT_ENOSPC);
  EXPECT_EQ(addr[2], 0u);
  ASSERT_EQ(space->unwire(addr[0], 16), 0);
  ASSERT_EQ(space->wire(buf[2], 16, &addr[2]), 0);
  oskit_dma_stats_t stats;
  ASSERT_EQ(space->getstats(&stats), 0);
  EXPECT_EQ(stats.max_regions, 2u);
  EXPECT_EQ(stats.regions_wired, 2u);
  EXPECT_EQ(space->unwire(addr[1], 16), 0);
  EXPECT_EQ(space->unwire(addr[2], 16), 0);
}

TEST_F(IovaSpaceTest, ARegionLargerThanAWindowCannotBeMadeContiguous) {
  ComPtr<oskit_dma_space> space = make_iova_space();
  char byte = 0;
  oskit_addr_t addr = 1;
  // wire records the range and touches no memory, so a range this long is safe to ask for.
  EXPECT_EQ(space->wire(&byte, OSKIT_DMA_IOVA_WINDOW, &addr), OSKIT_ENOTSUP);
  EXPECT_EQ(addr, 0u);
  EXPECT_EQ(space->wire(reinterpret_cast<void*>(UINTPTR_MAX - 10), 20, &addr), OSKIT_EINVAL) << "a range that wraps";
}

TEST_F(IovaSpaceTest, OptionsAreChecked) {
  ComPtr<oskit_dma_space> space;
  oskit_dma_space_options_t options = {};
  options.mode = 9;
  EXPECT_EQ(oskit_dma_space_create(&options, space.put()), OSKIT_EINVAL);
  EXPECT_FALSE(space);
  options.mode = OSKIT_DMA_MODE_IOVA;
  options.max_regions = OSKIT_DMA_MAX_REGIONS + 1;
  EXPECT_EQ(oskit_dma_space_create(&options, space.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_dma_space_create(&options, nullptr), OSKIT_E_POINTER);
  ASSERT_EQ(oskit_dma_space_create(nullptr, space.put()), 0);
  oskit_dma_stats_t stats;
  ASSERT_EQ(space->getstats(&stats), 0);
  EXPECT_EQ(stats.mode, OSKIT_DMA_MODE_IOVA);
  EXPECT_EQ(stats.max_regions, OSKIT_DMA_DEFAULT_REGIONS);
}

TEST_F(IovaSpaceTest, DeviceCopiesRefuseNullArguments) {
  ComPtr<oskit_dma_space> space = make_iova_space();
  char buf[8];
  EXPECT_EQ(oskit_dma_device_read(nullptr, kDevice, 1, buf, 8), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_dma_device_read(space.get(), kDevice, 1, nullptr, 8), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_dma_device_write(space.get(), kDevice, 1, nullptr, 8), OSKIT_E_POINTER);
}

TEST_F(IovaSpaceTest, AManyThreadedStormOfWiresAndAccessesStaysConsistent) {
  ComPtr<oskit_dma_space> space = make_iova_space(64);
  constexpr int kThreads = 4;
  std::vector<std::vector<char>> memory(kThreads, std::vector<char>(256));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; i++) {
        oskit_addr_t addr = 0;
        oskit_error_t rc = space->wire(memory[t].data(), 256, &addr);
        if (rc == OSKIT_ENOSPC) continue;
        ASSERT_EQ(rc, 0);
        const char stamp = static_cast<char>('a' + t);
        ASSERT_EQ(oskit_dma_device_write(space.get(), kDevice, addr + i % 256, &stamp, 1), 0);
        ASSERT_EQ(memory[t][i % 256], stamp);
        ASSERT_EQ(space->unwire(addr, 256), 0);
        ASSERT_EQ(oskit_dma_device_write(space.get(), kDevice, addr, &stamp, 1), OSKIT_EFAULT);
      }
    });
  }
  for (auto& t : threads) t.join();
  oskit_dma_stats_t stats;
  ASSERT_EQ(space->getstats(&stats), 0);
  EXPECT_EQ(stats.regions_wired, 0u);
  EXPECT_EQ(stats.wires, stats.unwires);
  EXPECT_EQ(stats.faults, stats.wires);
}

TEST(IovaSpaceEnvironment, BookkeepingComesFromTheEnvironmentAndFaultsGoToItsLog) {
  env::CountingEnvironment counting;
  env::ScopedEnvironment scoped(&counting);
  ASSERT_TRUE(scoped.status().ok()) << scoped.status();
  {
    ComPtr<oskit_dma_space> space = make_iova_space();
    const long before = counting.allocations();
    char buf[16];
    oskit_addr_t addr = 0;
    ASSERT_EQ(space->wire(buf, sizeof buf, &addr), 0);
    EXPECT_GT(counting.allocations(), before) << "the slot table came from somewhere else";
    for (int i = 0; i < 5; i++) {
      EXPECT_EQ(oskit_dma_device_write(space.get(), 0x42, addr + 16, "x", 1), OSKIT_EFAULT);
    }
    EXPECT_EQ(space->unwire(addr, sizeof buf), 0);
  }
  EXPECT_EQ(counting.live_allocations(), 0);
  std::vector<std::string> faults;
  for (const std::string& line : counting.log_lines()) {
    if (line.find("DMA fault") != std::string::npos) faults.push_back(line);
  }
  ASSERT_EQ(faults.size(), 3u) << "the 1st, 2nd and 4th of five faults";
  EXPECT_NE(faults[0].find("device 0x42"), std::string::npos) << faults[0];
  EXPECT_NE(faults[0].find("0x"), std::string::npos) << faults[0];
}

class DefaultSpaceTest : public testing::LeakCheckedTest {};

TEST_F(DefaultSpaceTest, IsSharedWhileHeldAndGoneWithItsLastReference) {
  ComPtr<oskit_dma_space> a, b;
  ASSERT_EQ(oskit_dma_default_space(a.put()), 0);
  ASSERT_EQ(oskit_dma_default_space(b.put()), 0);
  EXPECT_EQ(a, b);
  char buf[8];
  oskit_addr_t addr = 0;
  ASSERT_EQ(a->wire(buf, sizeof buf, &addr), 0);
  ASSERT_EQ(a->unwire(addr, sizeof buf), 0);
  a.reset();
  b.reset();
  EXPECT_EQ(oskit_live_objects(), baseline()) << "the default space outlived its users";
  ASSERT_EQ(oskit_dma_default_space(a.put()), 0);
  oskit_dma_stats_t stats;
  ASSERT_EQ(a->getstats(&stats), 0);
  EXPECT_EQ(stats.wires, 0u) << "a fresh default starts from nothing";
  EXPECT_EQ(oskit_dma_default_space(nullptr), OSKIT_E_POINTER);
}

TEST_F(DefaultSpaceTest, AHarnessMayInstallItsOwn) {
  ComPtr<oskit_dma_space> mine = make_iova_space(3);
  oskit_dma_set_default_space(mine.get());
  ComPtr<oskit_dma_space> got;
  ASSERT_EQ(oskit_dma_default_space(got.put()), 0);
  EXPECT_EQ(got, mine);
  oskit_dma_set_default_space(nullptr);
  ASSERT_EQ(oskit_dma_default_space(got.put()), 0);
  EXPECT_NE(got, mine);
}

TEST_F(DefaultSpaceTest, ThreadsRacingForTheFirstDefaultGetOne) {
  std::vector<ComPtr<oskit_dma_space>> got(4);
  for (int round = 0; round < 50; round++) {
    std::vector<std::thread> threads;
    for (auto& slot : got) threads.emplace_back([&slot] { ASSERT_EQ(oskit_dma_default_space(slot.put()), 0); });
    for (auto& t : threads) t.join();
    for (auto& slot : got) EXPECT_EQ(slot, got[0]);
    for (auto& slot : got) slot.reset();
  }
}

}  // namespace
}  // namespace oskit
