// Conformance suite for oskit_bufio's own methods (OSKit manual 7.4): map
// and unmap with exact arguments, copy giving an independent logical copy, and
// wire and unwire: either OSKIT_E_NOTIMPL, or the contract of docs/design.md,
// "Exporting bufio to DMA code" (the device reaches the wired bytes at the
// address until unwire or the last release, and faults after either, writing
// nothing; unwire needs the wire's exact arguments; a second wiring of an
// overlapping range is refused with OSKIT_EBUSY or needs its own unwire; the
// wired bytes stay put while copies, other references and other threads come
// and go). Instantiate AbsioConformance too for the inherited
// read/write/getsize/setsize.
//
// Factory:
//   static oskit::ComPtr<oskit_bufio> make(oskit_size_t size);
//   static constexpr bool kWire;  // whether wire is implemented
//   static oskit::ComPtr<oskit_dma_space> wire_space();  // kWire only: the space whose
//                                                        // addresses wire gives
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, BufioConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_BUFIO_CONFORMANCE_H
#define OSKIT_TESTING_BUFIO_CONFORMANCE_H

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "oskit/com/heap.h"
#include "oskit/com/ptr.h"
#include "oskit/io/bufio.h"
#include "oskit/io/dma_space.h"
#include "oskit/testing/absio_conformance.h"
#include "oskit/testing/leak_check.h"

namespace oskit::testing {

template <class Factory>
class BufioConformance : public LeakCheckedTest {
 protected:
  static constexpr oskit_size_t kSize = 4096;
  static constexpr oskit_u32_t kDevice = 0xb0f;

  void SetUp() override {
    LeakCheckedTest::SetUp();
    io_ = Factory::make(kSize);
    ASSERT_TRUE(io_);
    if constexpr (Factory::kWire) {
      space_ = Factory::wire_space();
      ASSERT_TRUE(space_);
    }
  }
  void TearDown() override {
    io_.reset();
    space_.reset();
    LeakCheckedTest::TearDown();
  }
  // Skips a test of the wire contract for a bufio without wire.
  bool wires() const { return Factory::kWire; }

  // The device's view: amount bytes at addr, or the access's error.
  oskit_error_t device_read(oskit_addr_t addr, oskit_size_t amount, std::string* out) {
    void* cpu = nullptr;
    oskit_dma_pin_t pin = 0;
    oskit_error_t rc = space_->access_begin(kDevice, addr, amount, OSKIT_DMA_READ, &cpu, &pin);
    if (rc != 0) return rc;
    out->assign(static_cast<const char*>(cpu), amount);
    return space_->access_end(pin);
  }
  oskit_error_t device_write(oskit_addr_t addr, const std::string& data) {
    void* cpu = nullptr;
    oskit_dma_pin_t pin = 0;
    oskit_error_t rc = space_->access_begin(kDevice, addr, data.size(), OSKIT_DMA_WRITE, &cpu, &pin);
    if (rc != 0) return rc;
    std::memcpy(cpu, data.data(), data.size());
    return space_->access_end(pin);
  }
  std::string read_back(oskit_bufio* io, oskit_off_t offset, oskit_size_t amount) {
    std::string back(amount, '\0');
    oskit_size_t actual = 0;
    EXPECT_EQ(io->read(&back[0], offset, amount, &actual), 0);
    back.resize(actual);
    return back;
  }

  ComPtr<oskit_bufio> io_;
  ComPtr<oskit_dma_space> space_;
};

TYPED_TEST_SUITE_P(BufioConformance);

TYPED_TEST_P(BufioConformance, MapGivesTheDataAndUnmapNeedsExactArguments) {
  const std::vector<char> data = pattern(256, 100, 2);
  oskit_size_t actual = 0;
  ASSERT_EQ(this->io_->write(data.data(), 100, data.size(), &actual), 0);
  void* addr = nullptr;
  oskit_error_t rc = this->io_->map(&addr, 100, 256);
  if (rc == OSKIT_E_NOTIMPL) {
    EXPECT_EQ(addr, nullptr);
    return;
  }
  ASSERT_EQ(rc, 0);
  ASSERT_NE(addr, nullptr);
  EXPECT_EQ(std::memcmp(addr, data.data(), data.size()), 0);
  static_cast<char*>(addr)[0] = 'X';  // stores through the mapping reach the object
  char first = 0;
  ASSERT_EQ(this->io_->read(&first, 100, 1, &actual), 0);
  EXPECT_EQ(first, 'X');
  EXPECT_NE(this->io_->unmap(addr, 100, 128), 0) << "a partial unmap must fail";
  EXPECT_NE(this->io_->unmap(addr, 101, 256), 0) << "a different offset must fail";
  EXPECT_NE(this->io_->unmap(static_cast<char*>(addr) + 1, 100, 256), 0) << "a different address must fail";
  EXPECT_EQ(this->io_->unmap(addr, 100, 256), 0);
  EXPECT_NE(this->io_->unmap(addr, 100, 256), 0) << "a second unmap must fail";
}

TYPED_TEST_P(BufioConformance, MapOutsideTheBufferFails) {
  void* addr = reinterpret_cast<void*>(0x1);
  EXPECT_NE(this->io_->map(&addr, this->kSize - 10, 20), 0);
  EXPECT_EQ(addr, nullptr);
  EXPECT_NE(this->io_->map(&addr, -1, 20), 0);
}

TYPED_TEST_P(BufioConformance, CopyIsIndependent) {
  const std::vector<char> data = pattern(512, 0, 4);
  oskit_size_t actual = 0;
  ASSERT_EQ(this->io_->write(data.data(), 1000, data.size(), &actual), 0);
  ComPtr<oskit_bufio> dup;
  oskit_error_t rc = this->io_->copy(1000, data.size(), dup.put());
  if (rc == OSKIT_E_NOTIMPL) return;
  ASSERT_EQ(rc, 0);
  ASSERT_TRUE(dup);
  oskit_off_t size = 0;
  ASSERT_EQ(dup->getsize(&size), 0);
  EXPECT_EQ(size, static_cast<oskit_off_t>(data.size()));
  const char poke = '!';
  ASSERT_EQ(this->io_->write(&poke, 1000, 1, &actual), 0);
  std::vector<char> back(data.size());
  ASSERT_EQ(dup->read(back.data(), 0, back.size(), &actual), 0);
  EXPECT_EQ(back, data) << "a write to the original must not reach the copy";
  ASSERT_EQ(dup->write(&poke, 1, 1, &actual), 0);
  char orig = 0;
  ASSERT_EQ(this->io_->read(&orig, 1001, 1, &actual), 0);
  EXPECT_EQ(orig, data[1]) << "a write to the copy must not reach the original";
  ComPtr<oskit_bufio> bad;
  EXPECT_NE(this->io_->copy(this->kSize - 1, 2, bad.put()), 0);
  EXPECT_FALSE(bad);
}

TYPED_TEST_P(BufioConformance, WireIsImplementedOrNotImplemented) {
  oskit_addr_t addr = 1;
  oskit_error_t rc = this->io_->wire(&addr, 0, 512);
  if (!this->wires()) {
    EXPECT_EQ(rc, OSKIT_E_NOTIMPL);
    EXPECT_EQ(addr, 0u);
    EXPECT_EQ(this->io_->unwire(0, 0, 512), OSKIT_E_NOTIMPL);
    return;
  }
  ASSERT_EQ(rc, 0);
  EXPECT_NE(addr, 0u);
  EXPECT_EQ(this->io_->unwire(addr, 0, 512), 0);
}

TYPED_TEST_P(BufioConformance, TheDeviceReachesTheWiredBytesAtTheAddress) {
  if (!this->wires()) GTEST_SKIP() << "wire is not implemented";
  const std::vector<char> data = pattern(256, 100, 6);
  oskit_size_t actual = 0;
  ASSERT_EQ(this->io_->write(data.data(), 100, data.size(), &actual), 0);
  oskit_addr_t addr = 0;
  ASSERT_EQ(this->io_->wire(&addr, 100, 256), 0);
  std::string seen;
  ASSERT_EQ(this->device_read(addr, 256, &seen), 0);
  EXPECT_EQ(seen, std::string(data.begin(), data.end()));
  ASSERT_EQ(this->device_write(addr + 10, "from the device"), 0);
  EXPECT_EQ(this->read_back(this->io_.get(), 110, 15), "from the device");
  EXPECT_EQ(this->device_read(addr + 250, 7, &seen), OSKIT_EFAULT) << "the device reached past the wired range";
  EXPECT_EQ(this->io_->unwire(addr, 100, 256), 0);
}

TYPED_TEST_P(BufioConformance, UnwireNeedsTheArgumentsOfAWire) {
  if (!this->wires()) GTEST_SKIP() << "wire is not implemented";
  oskit_addr_t addr = 0;
  ASSERT_EQ(this->io_->wire(&addr, 512, 1024), 0);
  EXPECT_EQ(this->io_->unwire(addr, 512, 512), OSKIT_EINVAL) << "a partial unwire";
  EXPECT_EQ(this->io_->unwire(addr, 0, 1024), OSKIT_EINVAL) << "another offset";
  EXPECT_EQ(this->io_->unwire(addr + 1, 512, 1024), OSKIT_EINVAL) << "another address";
  EXPECT_EQ(this->io_->unwire(0, 0, 0), OSKIT_EINVAL);
  EXPECT_EQ(this->device_write(addr, "still wired"), 0) << "a refused unwire unwired";
  EXPECT_EQ(this->io_->unwire(addr, 512, 1024), 0);
  EXPECT_EQ(this->io_->unwire(addr, 512, 1024), OSKIT_EINVAL) << "a second unwire";
}

TYPED_TEST_P(BufioConformance, WireRefusesBadArguments) {
  if (!this->wires()) GTEST_SKIP() << "wire is not implemented";
  oskit_addr_t addr = 1;
  EXPECT_EQ(this->io_->wire(nullptr, 0, 16), OSKIT_E_POINTER);
  EXPECT_EQ(this->io_->wire(&addr, 0, 0), OSKIT_EINVAL);
  EXPECT_EQ(addr, 0u);
  EXPECT_EQ(this->io_->wire(&addr, this->kSize - 10, 20), OSKIT_EINVAL) << "past the end";
  EXPECT_EQ(this->io_->wire(&addr, -1, 20), OSKIT_EINVAL);
  EXPECT_EQ(this->io_->wire(&addr, this->kSize, 1), OSKIT_EINVAL);
  EXPECT_EQ(addr, 0u);
}

TYPED_TEST_P(BufioConformance, AfterUnwireTheDeviceFaultsAndWritesNothing) {
  if (!this->wires()) GTEST_SKIP() << "wire is not implemented";
  oskit_addr_t addr = 0;
  ASSERT_EQ(this->io_->wire(&addr, 0, 64), 0);
  ASSERT_EQ(this->io_->unwire(addr, 0, 64), 0);
  EXPECT_EQ(this->device_write(addr, "too late"), OSKIT_EFAULT);
  EXPECT_EQ(this->read_back(this->io_.get(), 0, 8), std::string(8, '\0'));
  oskit_dma_fault_t fault = {};
  ASSERT_EQ(this->space_->lastfault(&fault), 0);
  EXPECT_EQ(fault.addr, addr);
  EXPECT_EQ(fault.device, this->kDevice);
}

TYPED_TEST_P(BufioConformance, AfterTheLastReleaseTheDeviceFaults) {
  if (!this->wires()) GTEST_SKIP() << "wire is not implemented";
  oskit_addr_t addr = 0;
  ASSERT_EQ(this->io_->wire(&addr, 64, 64), 0);
  ASSERT_EQ(this->device_write(addr, "while wired"), 0);
  this->io_.reset();  // wired, never unwired: the last release ends the wiring
  EXPECT_EQ(this->device_write(addr, "after release"), OSKIT_EFAULT);
  std::string seen;
  EXPECT_EQ(this->device_read(addr, 8, &seen), OSKIT_EFAULT);
}

TYPED_TEST_P(BufioConformance, ASecondWiringOfOverlappingBytesIsRefusedOrIndependent) {
  if (!this->wires()) GTEST_SKIP() << "wire is not implemented";
  oskit_addr_t first = 0;
  ASSERT_EQ(this->io_->wire(&first, 0, 256), 0);
  oskit_addr_t second = 0;
  const oskit_error_t rc = this->io_->wire(&second, 128, 256);
  if (rc == 0) {
    EXPECT_EQ(this->io_->unwire(second, 128, 256), 0);
    EXPECT_EQ(this->device_write(first, "first stays"), 0);
  } else {
    EXPECT_EQ(rc, OSKIT_EBUSY);
    EXPECT_EQ(second, 0u);
  }
  oskit_addr_t disjoint = 0;
  ASSERT_EQ(this->io_->wire(&disjoint, 256, 256), 0) << "bytes next to a wiring are not wired";
  EXPECT_EQ(this->io_->unwire(disjoint, 256, 256), 0);
  EXPECT_EQ(this->io_->unwire(first, 0, 256), 0);
}

TYPED_TEST_P(BufioConformance, WiredBytesStayPutWhileCopiesAndReferencesComeAndGo) {
  if (!this->wires()) GTEST_SKIP() << "wire is not implemented";
  ComPtr<oskit_bufio> earlier;
  oskit_error_t rc = this->io_->copy(0, this->kSize, earlier.put());
  ASSERT_TRUE(rc == 0 || rc == OSKIT_E_NOTIMPL);
  ComPtr<oskit_absio> other = query<oskit_absio>(this->io_);
  oskit_addr_t addr = 0;
  ASSERT_EQ(this->io_->wire(&addr, 0, 1024), 0);
  ComPtr<oskit_bufio> later;
  rc = this->io_->copy(0, 1024, later.put());
  ASSERT_TRUE(rc == 0 || rc == OSKIT_E_NOTIMPL);
  earlier.reset();
  other.reset();
  oskit_error_t resized = this->io_->setsize(this->kSize * 2);
  EXPECT_TRUE(resized == OSKIT_EBUSY || resized == OSKIT_E_NOTIMPL) << "wired bytes moved";
  ASSERT_EQ(this->device_write(addr + 500, "device"), 0);
  EXPECT_EQ(this->read_back(this->io_.get(), 500, 6), "device");
  if (later) {
    EXPECT_EQ(this->read_back(later.get(), 500, 6), std::string(6, '\0')) << "the device wrote into a copy";
    later.reset();
  }
  ASSERT_EQ(this->device_write(addr + 600, "again"), 0);
  EXPECT_EQ(this->read_back(this->io_.get(), 600, 5), "again");
  EXPECT_EQ(this->io_->unwire(addr, 0, 1024), 0);
}

TYPED_TEST_P(BufioConformance, ConcurrentWiringFromSeveralThreads) {
  if (!this->wires()) GTEST_SKIP() << "wire is not implemented";
  constexpr int kThreads = 4;
  constexpr oskit_size_t kPiece = 512;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([this, t] {
      const oskit_off_t offset = t * static_cast<oskit_off_t>(kPiece);
      for (int i = 0; i < 300; i++) {
        oskit_addr_t addr = 0;
        ASSERT_EQ(this->io_->wire(&addr, offset, kPiece), 0);
        const std::string stamp = std::to_string(t) + "/" + std::to_string(i);
        ASSERT_EQ(this->device_write(addr + i % 256, stamp), 0);
        ASSERT_EQ(this->read_back(this->io_.get(), offset + i % 256, stamp.size()), stamp);
        ASSERT_EQ(this->io_->unwire(addr, offset, kPiece), 0);
      }
    });
  }
  for (auto& th : threads) th.join();
}

REGISTER_TYPED_TEST_SUITE_P(BufioConformance, MapGivesTheDataAndUnmapNeedsExactArguments, MapOutsideTheBufferFails,
                            CopyIsIndependent, WireIsImplementedOrNotImplemented,
                            TheDeviceReachesTheWiredBytesAtTheAddress, UnwireNeedsTheArgumentsOfAWire,
                            WireRefusesBadArguments, AfterUnwireTheDeviceFaultsAndWritesNothing,
                            AfterTheLastReleaseTheDeviceFaults, ASecondWiringOfOverlappingBytesIsRefusedOrIndependent,
                            WiredBytesStayPutWhileCopiesAndReferencesComeAndGo, ConcurrentWiringFromSeveralThreads);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_BUFIO_CONFORMANCE_H
