// Conformance suite for oskit_blkio (OSKit manual 7.3): power-of-two block
// size, aligned transfers only, sizes and counts in whole blocks.
//
// Factory:
//   static oskit::ComPtr<oskit_blkio> make(oskit_off_t size);  // size: a multiple of its block size
//   static constexpr bool kFixedSize;
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, BlkioConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_BLKIO_CONFORMANCE_H
#define OSKIT_TESTING_BLKIO_CONFORMANCE_H

#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "oskit/com/heap.h"
#include "oskit/com/ptr.h"
#include "oskit/io/blkio.h"
#include "oskit/testing/absio_conformance.h"
#include "oskit/testing/leak_check.h"

namespace oskit::testing {

template <class Factory>
class BlkioConformance : public LeakCheckedTest {
 protected:
  static constexpr oskit_off_t kSize = 64 * 1024;
  void SetUp() override {
    LeakCheckedTest::SetUp();
    io_ = Factory::make(kSize);
    ASSERT_TRUE(io_);
    bs_ = io_->getblocksize();
  }
  void TearDown() override {
    io_.reset();
    LeakCheckedTest::TearDown();
  }
  oskit_u32_t bs_ = 0;
  ComPtr<oskit_blkio> io_;
};

TYPED_TEST_SUITE_P(BlkioConformance);

TYPED_TEST_P(BlkioConformance, BlockSizeIsAPowerOfTwo) {
  ASSERT_GT(this->bs_, 0u);
  EXPECT_EQ(this->bs_ & (this->bs_ - 1), 0u);
  oskit_off_t size = 0;
  ASSERT_EQ(this->io_->getsize(&size), 0);
  EXPECT_EQ(size, this->kSize);
  EXPECT_EQ(size % this->bs_, 0);
}

TYPED_TEST_P(BlkioConformance, AlignedWriteThenReadBack) {
  const oskit_size_t n = this->bs_ * 3;
  const oskit_off_t offset = this->bs_ * 2;
  const std::vector<char> data = pattern(n, offset, 11);
  oskit_size_t actual = 0;
  ASSERT_EQ(this->io_->write(data.data(), offset, n, &actual), 0);
  EXPECT_EQ(actual, n);
  std::vector<char> back(n);
  ASSERT_EQ(this->io_->read(back.data(), offset, n, &actual), 0);
  EXPECT_EQ(actual, n);
  EXPECT_EQ(back, data);
}

TYPED_TEST_P(BlkioConformance, MisalignedRequestsAreInvalid) {
  if (this->bs_ == 1) GTEST_SKIP() << "block size 1: every request is aligned";
  std::vector<char> buf(this->bs_ * 2);
  oskit_size_t actual = 99;
  EXPECT_EQ(this->io_->read(buf.data(), 1, this->bs_, &actual), OSKIT_EINVAL);
  EXPECT_EQ(actual, 0u);
  EXPECT_EQ(this->io_->read(buf.data(), 0, this->bs_ + 1, &actual), OSKIT_EINVAL);
  EXPECT_EQ(this->io_->write(buf.data(), this->bs_ / 2, this->bs_, &actual), OSKIT_EINVAL);
  EXPECT_EQ(this->io_->write(buf.data(), 0, this->bs_ - 1, &actual), OSKIT_EINVAL);
  if (!TypeParam::kFixedSize) {
    EXPECT_EQ(this->io_->setsize(this->kSize + 1), OSKIT_EINVAL);
  }
}

TYPED_TEST_P(BlkioConformance, ReadCrossingTheEndReturnsWhatExists) {
  std::vector<char> buf(this->bs_ * 4);
  oskit_size_t actual = 0;
  ASSERT_EQ(this->io_->read(buf.data(), this->kSize - this->bs_, buf.size(), &actual), 0);
  EXPECT_EQ(actual, this->bs_);
  EXPECT_EQ(this->io_->read(buf.data(), this->kSize, buf.size(), &actual), OSKIT_EINVAL);
  EXPECT_EQ(actual, 0u);
}

TYPED_TEST_P(BlkioConformance, OverflowingOffsetsAreInvalid) {
  std::vector<char> buf(this->bs_);
  oskit_size_t actual = 0;
  const oskit_off_t last_block = std::numeric_limits<oskit_off_t>::max() / this->bs_ * this->bs_;
  EXPECT_EQ(this->io_->read(buf.data(), last_block, this->bs_ * 2, &actual), OSKIT_EINVAL);
  EXPECT_EQ(this->io_->write(buf.data(), last_block, this->bs_ * 2, &actual), OSKIT_EINVAL);
  EXPECT_EQ(this->io_->read(buf.data(), -static_cast<oskit_off_t>(this->bs_), this->bs_, &actual), OSKIT_EINVAL);
}

TYPED_TEST_P(BlkioConformance, SizePolicy) {
  oskit_error_t rc = this->io_->setsize(this->kSize / 2);
  oskit_off_t size = 0;
  ASSERT_EQ(this->io_->getsize(&size), 0);
  if (TypeParam::kFixedSize) {
    EXPECT_EQ(rc, OSKIT_E_NOTIMPL);
    EXPECT_EQ(size, this->kSize);
  } else {
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(size, this->kSize / 2);
  }
}

TYPED_TEST_P(BlkioConformance, CallableThroughTheCMacros) {
  oskit_blkio_t* io = this->io_.get();
  EXPECT_EQ(oskit_blkio_getblocksize(io), this->bs_);
  oskit_off_t size = 0;
  EXPECT_EQ(oskit_blkio_getsize(io, &size), 0);
  EXPECT_EQ(size, this->kSize);
}

REGISTER_TYPED_TEST_SUITE_P(BlkioConformance, BlockSizeIsAPowerOfTwo, AlignedWriteThenReadBack,
                            MisalignedRequestsAreInvalid, ReadCrossingTheEndReturnsWhatExists,
                            OverflowingOffsetsAreInvalid, SizePolicy, CallableThroughTheCMacros);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_BLKIO_CONFORMANCE_H
