// Conformance suite for oskit_bufio's own methods (OSKit manual 7.4): map
// and unmap with exact arguments, copy giving an independent logical copy, wire
// and unwire either working or OSKIT_E_NOTIMPL. Instantiate AbsioConformance
// too for the inherited read/write/getsize/setsize.
//
// Factory:
//   static oskit::ComPtr<oskit_bufio> make(oskit_size_t size);
//   static constexpr bool kWire;  // whether wire is implemented
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, BufioConformance, ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_BUFIO_CONFORMANCE_H
#define OSKIT_TESTING_BUFIO_CONFORMANCE_H

#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "oskit/com/heap.h"
#include "oskit/testing/leak_check.h"
#include "oskit/com/ptr.h"
#include "oskit/io/bufio.h"
#include "oskit/testing/absio_conformance.h"

namespace oskit::testing {

template <class Factory>
class BufioConformance : public LeakCheckedTest {
 protected:
  static constexpr oskit_size_t kSize = 4096;
  void SetUp() override {
    LeakCheckedTest::SetUp();
    io_ = Factory::make(kSize);
    ASSERT_TRUE(io_);
  }
  void TearDown() override {
    io_.reset();
    LeakCheckedTest::TearDown();
  }
  ComPtr<oskit_bufio> io_;
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

TYPED_TEST_P(BufioConformance, WireFollowsItsPolicy) {
  oskit_addr_t addr = 1;
  oskit_error_t rc = this->io_->wire(&addr, 0, 512);
  if (!TypeParam::kWire) {
    EXPECT_EQ(rc, OSKIT_E_NOTIMPL);
    EXPECT_EQ(this->io_->unwire(0, 0, 512), OSKIT_E_NOTIMPL);
    return;
  }
  ASSERT_EQ(rc, 0);
  EXPECT_NE(this->io_->unwire(addr, 0, 256), 0) << "a partial unwire must fail";
  EXPECT_EQ(this->io_->unwire(addr, 0, 512), 0);
}

REGISTER_TYPED_TEST_SUITE_P(BufioConformance, MapGivesTheDataAndUnmapNeedsExactArguments, MapOutsideTheBufferFails,
                            CopyIsIndependent, WireFollowsItsPolicy);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_BUFIO_CONFORMANCE_H
