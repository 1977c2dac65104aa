// Conformance suite for oskit_dma_space (oskit/io/dma_space.h): a wired
// region is reached at its device address and nowhere else; an access
// outside every region, crossing a region's end or after unwire faults and
// is reported with its device and address; unwire takes exactly what wire
// gave and waits for an access in progress; the counters follow; concurrent
// wiring from several threads hands out distinct, working addresses.
//
// Factory:
//   static oskit::ComPtr<oskit_dma_space> make(std::string* why);  // empty, with *why, when
//                                                                   // this machine cannot give one
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, DmaSpaceConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_DMA_SPACE_CONFORMANCE_H
#define OSKIT_TESTING_DMA_SPACE_CONFORMANCE_H

#include <sched.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "oskit/com/ptr.h"
#include "oskit/io/dma_space.h"
#include "oskit/testing/leak_check.h"

namespace oskit::testing {

template <class Factory>
class DmaSpaceConformance : public LeakCheckedTest {
 protected:
  static constexpr oskit_u32_t kDevice = 0x0a01;
  static constexpr oskit_size_t kSize = 8192;

  void SetUp() override {
    LeakCheckedTest::SetUp();
    std::string why;
    space_ = Factory::make(&why);
    if (!space_) GTEST_SKIP() << why;
    ASSERT_EQ(space_->alloc_mem(kSize, 4096, &mem_), 0);
    ASSERT_EQ(reinterpret_cast<std::uintptr_t>(mem_) % 4096, 0u);
    std::memset(mem_, 0, kSize);
  }
  void TearDown() override {
    if (space_) {
      EXPECT_EQ(space_->free_mem(mem_, kSize), 0);
    }
    space_.reset();
    LeakCheckedTest::TearDown();
  }

  oskit_dma_stats_t stats() {
    oskit_dma_stats_t s = {};
    EXPECT_EQ(space_->getstats(&s), 0);
    return s;
  }
  char* mem() { return static_cast<char*>(mem_); }

  // Writes data at addr as device kDevice would.
  oskit_error_t device_write(oskit_addr_t addr, const std::string& data) {
    void* cpu = nullptr;
    oskit_dma_pin_t pin = 0;
    oskit_error_t rc = space_->access_begin(kDevice, addr, data.size(), OSKIT_DMA_WRITE, &cpu, &pin);
    if (rc != 0) {
      EXPECT_EQ(cpu, nullptr);
      EXPECT_EQ(pin, 0u);
      return rc;
    }
    std::memcpy(cpu, data.data(), data.size());
    return space_->access_end(pin);
  }

  // Expects an access at addr to fault and be reported so.
  void expect_fault(oskit_addr_t addr, oskit_size_t size, oskit_u32_t access) {
    const oskit_u64_t before = stats().faults;
    void* cpu = reinterpret_cast<void*>(1);
    oskit_dma_pin_t pin = 1;
    EXPECT_EQ(space_->access_begin(kDevice + 1, addr, size, access, &cpu, &pin), OSKIT_EFAULT);
    EXPECT_EQ(cpu, nullptr);
    EXPECT_EQ(pin, 0u);
    EXPECT_EQ(stats().faults, before + 1);
    oskit_dma_fault_t fault = {};
    ASSERT_EQ(space_->lastfault(&fault), 0);
    EXPECT_EQ(fault.device, kDevice + 1);
    EXPECT_EQ(fault.addr, addr);
    EXPECT_EQ(fault.size, size);
    EXPECT_EQ(fault.access, access);
  }

  ComPtr<oskit_dma_space> space_;
  void* mem_ = nullptr;
};

TYPED_TEST_SUITE_P(DmaSpaceConformance);

TYPED_TEST_P(DmaSpaceConformance, TheDeviceReachesAWiredRegionAtItsAddress) {
  oskit_addr_t addr = 0;
  ASSERT_EQ(this->space_->wire(this->mem(), 4096, &addr), 0);
  EXPECT_NE(addr, 0u);
  void* cpu = nullptr;
  oskit_dma_pin_t pin = 0;
  ASSERT_EQ(this->space_->access_begin(this->kDevice, addr + 100, 10, OSKIT_DMA_READ, &cpu, &pin), 0);
  EXPECT_EQ(cpu, this->mem() + 100);
  EXPECT_EQ(this->space_->access_end(pin), 0);
  ASSERT_EQ(this->device_write(addr + 4000, "device data"), 0);
  EXPECT_EQ(std::string(this->mem() + 4000, 11), "device data");
  EXPECT_EQ(this->space_->unwire(addr, 4096), 0);
}

TYPED_TEST_P(DmaSpaceConformance, AHeldAccessTellsItsWholeRegion) {
  oskit_addr_t addr = 0;
  ASSERT_EQ(this->space_->wire(this->mem() + 100, 3000, &addr), 0);
  void* cpu = nullptr;
  oskit_dma_pin_t pin = 0;
  ASSERT_EQ(this->space_->access_begin(this->kDevice, addr + 500, 8, OSKIT_DMA_WRITE, &cpu, &pin), 0);
  oskit_addr_t region_addr = 0;
  oskit_size_t region_size = 0;
  void* region_cpu = nullptr;
  ASSERT_EQ(this->space_->region(pin, &region_addr, &region_size, &region_cpu), 0);
  EXPECT_EQ(region_addr, addr);
  EXPECT_EQ(region_size, 3000u);
  EXPECT_EQ(region_cpu, this->mem() + 100);
  EXPECT_EQ(this->space_->region(pin, nullptr, &region_size, &region_cpu), OSKIT_E_POINTER);
  EXPECT_EQ(this->space_->access_end(pin), 0);
  EXPECT_EQ(this->space_->region(pin, &region_addr, &region_size, &region_cpu), OSKIT_EINVAL) << "after access_end";
  EXPECT_EQ(this->space_->region(0, &region_addr, &region_size, &region_cpu), OSKIT_EINVAL);
  EXPECT_EQ(this->space_->unwire(addr, 3000), 0);
}

TYPED_TEST_P(DmaSpaceConformance, AnAccessOutsideEveryRegionFaults) {
  oskit_addr_t addr = 0;
  ASSERT_EQ(this->space_->wire(this->mem(), 4096, &addr), 0);
  this->expect_fault(addr + 4096, 1, OSKIT_DMA_READ);
  this->expect_fault(addr - 1, 1, OSKIT_DMA_WRITE);
  this->expect_fault(addr + 4000, 97, OSKIT_DMA_WRITE);  // crosses the end
  this->expect_fault(0, 8, OSKIT_DMA_READ);
  EXPECT_EQ(this->space_->unwire(addr, 4096), 0);
  EXPECT_EQ(std::string(this->mem() + 4000, 96), std::string(96, '\0')) << "a faulting access wrote";
}

TYPED_TEST_P(DmaSpaceConformance, AnAccessAfterUnwireFaultsAndWritesNothing) {
  oskit_addr_t addr = 0;
  ASSERT_EQ(this->space_->wire(this->mem(), 4096, &addr), 0);
  ASSERT_EQ(this->space_->unwire(addr, 4096), 0);
  EXPECT_EQ(this->device_write(addr, "late"), OSKIT_EFAULT);
  this->expect_fault(addr, 4, OSKIT_DMA_WRITE);
  EXPECT_EQ(std::string(this->mem(), 4), std::string(4, '\0'));
}

TYPED_TEST_P(DmaSpaceConformance, AnOldAddressNeverReachesALaterRegion) {
  oskit_addr_t first = 0;
  ASSERT_EQ(this->space_->wire(this->mem(), 4096, &first), 0);
  ASSERT_EQ(this->space_->unwire(first, 4096), 0);
  oskit_addr_t second = 0;
  ASSERT_EQ(this->space_->wire(this->mem() + 4096, 4096, &second), 0);
  if (second != first) {
    EXPECT_EQ(this->device_write(first, "stale"), OSKIT_EFAULT);
    EXPECT_EQ(std::string(this->mem() + 4096, 5), std::string(5, '\0'));
  }
  EXPECT_EQ(this->space_->unwire(second, 4096), 0);
}

TYPED_TEST_P(DmaSpaceConformance, UnwireTakesExactlyWhatWireGave) {
  oskit_addr_t addr = 0;
  ASSERT_EQ(this->space_->wire(this->mem(), 4096, &addr), 0);
  EXPECT_EQ(this->space_->unwire(addr, 4095), OSKIT_EINVAL);
  EXPECT_EQ(this->space_->unwire(addr, 8192), OSKIT_EINVAL);
  EXPECT_EQ(this->space_->unwire(addr + 1, 4095), OSKIT_EINVAL);
  EXPECT_EQ(this->space_->unwire(0, 4096), OSKIT_EINVAL);
  EXPECT_EQ(this->device_write(addr, "still wired"), 0) << "a refused unwire unwired";
  EXPECT_EQ(this->space_->unwire(addr, 4096), 0);
  EXPECT_EQ(this->space_->unwire(addr, 4096), OSKIT_EINVAL) << "unwired twice";
}

TYPED_TEST_P(DmaSpaceConformance, BadArgumentsAreRefused) {
  oskit_addr_t addr = 1;
  EXPECT_EQ(this->space_->wire(this->mem(), 16, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(this->space_->wire(this->mem(), 0, &addr), OSKIT_EINVAL);
  EXPECT_EQ(addr, 0u);
  EXPECT_EQ(this->space_->wire(nullptr, 16, &addr), OSKIT_E_POINTER);
  void* cpu = nullptr;
  oskit_dma_pin_t pin = 0;
  ASSERT_EQ(this->space_->wire(this->mem(), 64, &addr), 0);
  EXPECT_EQ(this->space_->access_begin(1, addr, 0, OSKIT_DMA_READ, &cpu, &pin), OSKIT_EINVAL);
  EXPECT_EQ(this->space_->access_begin(1, addr, 8, 0, &cpu, &pin), OSKIT_EINVAL);
  EXPECT_EQ(this->space_->access_begin(1, addr, 8, OSKIT_DMA_READ | OSKIT_DMA_WRITE, &cpu, &pin), OSKIT_EINVAL);
  EXPECT_EQ(this->space_->access_begin(1, addr, 8, OSKIT_DMA_READ, nullptr, &pin), OSKIT_E_POINTER);
  EXPECT_EQ(this->space_->access_begin(1, addr, 8, OSKIT_DMA_READ, &cpu, nullptr), OSKIT_E_POINTER);
  ASSERT_EQ(this->space_->access_begin(1, addr, 8, OSKIT_DMA_READ, &cpu, &pin), 0);
  EXPECT_EQ(this->space_->access_end(pin), 0);
  EXPECT_EQ(this->space_->access_end(pin), OSKIT_EINVAL) << "ended twice";
  EXPECT_EQ(this->space_->access_end(0), OSKIT_EINVAL);
  EXPECT_EQ(this->space_->unwire(addr, 64), 0);
  EXPECT_EQ(this->space_->getstats(nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(this->space_->lastfault(nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(this->space_->alloc_mem(64, 3, &cpu), OSKIT_EINVAL);
  EXPECT_EQ(cpu, nullptr);
  EXPECT_EQ(this->space_->alloc_mem(0, 64, &cpu), OSKIT_EINVAL);
  EXPECT_EQ(this->space_->alloc_mem(64, 64, nullptr), OSKIT_E_POINTER);
  char foreign[64];
  EXPECT_EQ(this->space_->free_mem(foreign, sizeof foreign), OSKIT_EINVAL);
  EXPECT_EQ(this->space_->free_mem(this->mem(), this->kSize / 2), OSKIT_EINVAL) << "a size other than alloc_mem's";
}

TYPED_TEST_P(DmaSpaceConformance, NoFaultIsReportedBeforeTheFirst) {
  oskit_dma_fault_t fault;
  EXPECT_EQ(this->space_->lastfault(&fault), OSKIT_ENOENT);
  EXPECT_EQ(this->stats().faults, 0u);
}

TYPED_TEST_P(DmaSpaceConformance, CountersFollowWiringAndAccesses) {
  const oskit_dma_stats_t before = this->stats();
  EXPECT_TRUE(before.mode == OSKIT_DMA_MODE_IOVA || before.mode == OSKIT_DMA_MODE_PHYS);
  EXPECT_GT(before.max_regions, 1u);
  oskit_addr_t a = 0, b = 0;
  ASSERT_EQ(this->space_->wire(this->mem(), 100, &a), 0);
  ASSERT_EQ(this->space_->wire(this->mem() + 4096, 200, &b), 0);
  EXPECT_NE(a, b);
  oskit_dma_stats_t now = this->stats();
  EXPECT_EQ(now.regions_wired, before.regions_wired + 2);
  EXPECT_EQ(now.bytes_wired, before.bytes_wired + 300);
  EXPECT_EQ(now.wires, before.wires + 2);
  ASSERT_EQ(this->device_write(b, "x"), 0);
  EXPECT_EQ(this->stats().accesses, before.accesses + 1);
  ASSERT_EQ(this->space_->unwire(a, 100), 0);
  now = this->stats();
  EXPECT_EQ(now.regions_wired, before.regions_wired + 1);
  EXPECT_EQ(now.bytes_wired, before.bytes_wired + 200);
  EXPECT_EQ(now.unwires, before.unwires + 1);
  ASSERT_EQ(this->space_->unwire(b, 200), 0);
  EXPECT_EQ(this->stats().regions_wired, before.regions_wired);
  EXPECT_EQ(this->stats().bytes_wired, before.bytes_wired);
}

TYPED_TEST_P(DmaSpaceConformance, UnwireWaitsForAnAccessInProgress) {
  oskit_addr_t addr = 0;
  ASSERT_EQ(this->space_->wire(this->mem(), 4096, &addr), 0);
  void* cpu = nullptr;
  oskit_dma_pin_t pin = 0;
  ASSERT_EQ(this->space_->access_begin(this->kDevice, addr, 4096, OSKIT_DMA_WRITE, &cpu, &pin), 0);
  std::atomic<bool> unwired{false};
  std::thread unwirer([&] {
    EXPECT_EQ(this->space_->unwire(addr, 4096), 0);
    unwired = true;
  });
  for (int i = 0; i < 1000; i++) sched_yield();
  EXPECT_FALSE(unwired.load()) << "unwire returned while the device was still writing";
  std::memcpy(cpu, "in flight", 9);  // the region is still the device's
  EXPECT_EQ(this->space_->access_end(pin), 0);
  unwirer.join();
  EXPECT_TRUE(unwired.load());
  EXPECT_EQ(this->device_write(addr, "after"), OSKIT_EFAULT);
  EXPECT_EQ(std::string(this->mem(), 9), "in flight");
}

TYPED_TEST_P(DmaSpaceConformance, AllocMemIsAlignedAndWireableWhole) {
  void* cpu = nullptr;
  ASSERT_EQ(this->space_->alloc_mem(64 * 1024, 4096, &cpu), 0);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(cpu) % 4096, 0u);
  void* small = nullptr;
  ASSERT_EQ(this->space_->alloc_mem(10, 0, &small), 0);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(small) % 64, 0u);
  oskit_addr_t addr = 0;
  ASSERT_EQ(this->space_->wire(cpu, 64 * 1024, &addr), 0);
  std::memset(cpu, 0, 64 * 1024);
  ASSERT_EQ(this->device_write(addr + 64 * 1024 - 4, "tail"), 0);
  EXPECT_EQ(std::string(static_cast<char*>(cpu) + 64 * 1024 - 4, 4), "tail");
  EXPECT_EQ(this->space_->unwire(addr, 64 * 1024), 0);
  EXPECT_EQ(this->space_->free_mem(cpu, 64 * 1024), 0);
  EXPECT_EQ(this->space_->free_mem(small, 10), 0);
  EXPECT_EQ(this->space_->free_mem(small, 10), OSKIT_EINVAL) << "freed twice";
}

TYPED_TEST_P(DmaSpaceConformance, ConcurrentWiringFromSeveralThreads) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 300;
  constexpr oskit_size_t kPiece = 64;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([this, t] {
      char* mine = this->mem() + t * 1024;
      for (int i = 0; i < kRounds; i++) {
        const oskit_size_t offset = (i % 16) * kPiece;
        oskit_addr_t addr = 0;
        ASSERT_EQ(this->space_->wire(mine + offset, kPiece, &addr), 0);
        const std::string stamp = std::to_string(t) + ":" + std::to_string(i);
        ASSERT_EQ(this->device_write(addr, stamp), 0);
        ASSERT_EQ(std::string(mine + offset, stamp.size()), stamp) << "the address reached another region";
        ASSERT_EQ(this->space_->unwire(addr, kPiece), 0);
      }
    });
  }
  for (auto& t : threads) t.join();
  const oskit_dma_stats_t s = this->stats();
  EXPECT_EQ(s.regions_wired, 0u);
  EXPECT_EQ(s.bytes_wired, 0u);
  EXPECT_EQ(s.wires, static_cast<oskit_u64_t>(kThreads * kRounds));
  EXPECT_EQ(s.unwires, s.wires);
}

REGISTER_TYPED_TEST_SUITE_P(DmaSpaceConformance, TheDeviceReachesAWiredRegionAtItsAddress,
                            AHeldAccessTellsItsWholeRegion, AnAccessOutsideEveryRegionFaults,
                            AnAccessAfterUnwireFaultsAndWritesNothing, AnOldAddressNeverReachesALaterRegion,
                            UnwireTakesExactlyWhatWireGave, BadArgumentsAreRefused, NoFaultIsReportedBeforeTheFirst,
                            CountersFollowWiringAndAccesses, UnwireWaitsForAnAccessInProgress,
                            AllocMemIsAlignedAndWireableWhole, ConcurrentWiringFromSeveralThreads);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_DMA_SPACE_CONFORMANCE_H
